import t from 'tap'
import {
  daysSinceEpoch,
  formatInvariantDateTime,
  formatIsoDateTime,
  parseWallClockText,
  wallClockFromUtcDate,
  wallClockToUtcDate,
  type WallClock,
} from '../../src/encoding/wall-clock.js'
import { wallClock } from '../helpers/wall-clock.js'

t.test('WallClock <-> UTC Date', async (t) => {
  const rows: { iso: string; want: WallClock }[] = [
    { iso: '2013-12-31T23:59:59.123Z', want: wallClock(2013, 12, 31, 23, 59, 59, 1_230_000) },
    { iso: '0001-01-01T00:00:00.000Z', want: wallClock(1, 1, 1) },
    { iso: '0099-03-04T05:06:07.008Z', want: wallClock(99, 3, 4, 5, 6, 7, 80_000) },
    { iso: '9999-12-31T23:59:59.999Z', want: wallClock(9999, 12, 31, 23, 59, 59, 9_990_000) },
    { iso: '2024-02-29T00:00:00.000Z', want: wallClock(2024, 2, 29) },
  ]
  for (const r of rows) {
    t.strictSame(wallClockFromUtcDate(new Date(r.iso)), r.want, `from ${r.iso}`)
    t.equal(wallClockToUtcDate(r.want).toISOString(), r.iso, `to ${r.iso}`)
  }
  t.equal(
    wallClockToUtcDate(wallClock(2013, 12, 31, 23, 59, 59, 1_239_999)).toISOString(),
    '2013-12-31T23:59:59.123Z',
    'sub-millisecond ticks are truncated',
  )
  t.throws(() => wallClockFromUtcDate(new Date('+010000-01-01T00:00:00Z')), { name: 'RangeError', message: /year 10000/ })
  t.throws(() => wallClockFromUtcDate(new Date(Number.NaN)), { name: 'RangeError', message: /valid Date/ })
  t.throws(() => wallClockToUtcDate(wallClock(2023, 4, 31)), { name: 'RangeError', message: /day 31/ })
})

t.test('daysSinceEpoch numbers the days as JavaScript Date does, from year 1 to 9999', async (t) => {
  const utcDay = (year: number, month: number, day: number) => {
    const d = new Date(0)
    d.setUTCFullYear(year, month - 1, day)
    return d.getTime() / 86_400_000
  }
  const dates: [number, number, number][] = [
    [1970, 1, 1],
    [1969, 12, 31],
    [1, 1, 1],
    [99, 2, 28],
    [1600, 2, 29],
    [1900, 3, 1],
    [2000, 2, 29],
    [2024, 12, 31],
    [9999, 12, 31],
  ]
  for (const [y, m, d] of dates) t.equal(daysSinceEpoch(y, m, d), utcDay(y, m, d), `${y}-${m}-${d}`)
  let previous = daysSinceEpoch(1899, 12, 31)
  for (let day = new Date(Date.UTC(1900, 0, 1)); day.getUTCFullYear() < 1905; day = new Date(day.getTime() + 86_400_000)) {
    const n = daysSinceEpoch(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate())
    if (n !== previous + 1) return t.fail(`${day.toISOString()} is day ${n}, after ${previous}`)
    previous = n
  }
  t.pass('consecutive days 1900-1904 get consecutive numbers (1900 is no leap year, 1904 is)')
})

t.test('text forms: invariant .NET and ISO', async (t) => {
  t.equal(formatInvariantDateTime(wallClock(2013, 12, 31, 23, 59, 59, 1_234_567)), '12/31/2013 23:59:59.1234567')
  t.equal(formatInvariantDateTime(wallClock(1, 2, 3)), '02/03/0001 00:00:00.0000000')
  t.equal(formatIsoDateTime(wallClock(2013, 5, 13, 13, 50, 48, 9_999_999), ' '), '2013-05-13 13:50:48', 'fractions dropped')
  t.equal(formatIsoDateTime(wallClock(33, 1, 2, 3, 4, 5), 'T'), '0033-01-02T03:04:05')
})

t.test('parseWallClockText reads invariant and ISO text, and says whether it recognised the layout', async (t) => {
  const rows: { text: string; timeOnly?: boolean; want: ReturnType<typeof parseWallClockText> }[] = [
    { text: '12/31/2013 23:59:59.1234567', want: { ok: true, value: wallClock(2013, 12, 31, 23, 59, 59, 1_234_567) } },
    { text: ' 1/2/2013 12:30 AM ', want: { ok: true, value: wallClock(2013, 1, 2, 0, 30) } },
    { text: '2013-12-31', want: { ok: true, value: wallClock(2013, 12, 31) } },
    { text: '2013-12-31T23:59:59.99999995', want: { ok: true, value: wallClock(2014, 1, 1) } },
    { text: '2014-01-01T00:30:00+01:00', want: { ok: true, value: wallClock(2013, 12, 31, 23, 30) } },
    { text: '0001-01-01T00:30:00+01:00', want: { ok: false, recognised: true, reason: 'outside the .NET DateTime range 0001..9999 after applying the offset' } },
    { text: '02/30/2013', want: { ok: false, recognised: true, reason: 'day 30 does not exist in 2013-02' } },
    { text: '13:15 PM', want: { ok: false, recognised: false, reason: 'not a recognised date format (MM/dd/yyyy HH:mm:ss or yyyy-MM-ddTHH:mm:ss)' } },
    { text: '13:15 PM', timeOnly: true, want: { ok: false, recognised: true, reason: 'hour 13 cannot be used with PM' } },
    { text: '1:15 PM', timeOnly: true, want: { ok: true, value: wallClock(1, 1, 1, 13, 15) } },
    { text: ' ', want: { ok: false, recognised: false, reason: 'empty value' } },
  ]
  for (const r of rows) t.strictSame(parseWallClockText(r.text, r.timeOnly ?? false), r.want, JSON.stringify(r.text))
})
