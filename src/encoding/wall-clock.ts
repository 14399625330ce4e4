/**
 * Zone-less dates and times as SuperOffice's encoded values carry them, with .NET `DateTime` precision: the value,
 * its calendar (proleptic Gregorian, years 1..9999), and its text forms (.NET invariant `MM/dd/yyyy HH:mm:ss` and ISO).
 *
 * Time-zone rule (one rule, everywhere): the encoded date forms carry no zone, so a date-time is a
 * **wall-clock value** ({@link WallClock}). It is never converted to or from the machine's local zone.
 * When a JS `Date` is needed, its UTC fields are the wall clock ({@link wallClockFromUtcDate},
 * {@link wallClockToUtcDate}). The only conversion that happens is on input: an ISO string with `Z` or an
 * offset (`2013-12-31T23:59:59+01:00`) is converted to the UTC wall clock (`22:59:59`), because that is the
 * only zone-independent reading. (.NET `DateTime.TryParse` would convert it to the server's local time.)
 */
import { typeName } from './describe.js'

/**
 * A zone-less date and time with .NET `DateTime` precision (100 ns ticks).
 * `ticks` is the fraction of the second in 100 ns units, 0..9_999_999, so all 7 digits of
 * `HH:mm:ss.fffffff` survive a round trip (a JS `Date` only keeps milliseconds).
 */
export interface WallClock {
  /** 1..9999 (the .NET `DateTime` range). */
  readonly year: number
  /** 1..12 */
  readonly month: number
  /** 1..days in the month */
  readonly day: number
  /** 0..23 */
  readonly hour: number
  /** 0..59 */
  readonly minute: number
  /** 0..59 */
  readonly second: number
  /** Fraction of the second in 100 ns units, 0..9_999_999. */
  readonly ticks: number
}

const TICKS_PER_SECOND = 10_000_000
const TICKS_PER_MS = 10_000
const TICKS_PER_MINUTE = 60 * TICKS_PER_SECOND
const TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND

// ---------------------------------------------------------------------------------------------------------
// WallClock <-> Date
// ---------------------------------------------------------------------------------------------------------

/**
 * Reads a `Date`'s UTC fields as a wall clock.
 * @throws RangeError for an invalid Date or one outside years 1..9999.
 * @example
 * wallClockFromUtcDate(new Date('2013-12-31T23:59:59.123Z'))
 * // { year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 1230000 }
 */
export function wallClockFromUtcDate(d: Date): WallClock {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new RangeError('wallClockFromUtcDate: expected a valid Date')
  }
  const year = d.getUTCFullYear()
  if (year < 1 || year > 9999) {
    throw new RangeError(`wallClockFromUtcDate: year ${year} is outside the .NET DateTime range 1..9999`)
  }
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ticks: d.getUTCMilliseconds() * TICKS_PER_MS,
  }
}

/**
 * Builds a `Date` whose UTC fields equal the wall clock. Sub-millisecond ticks are truncated because `Date`
 * cannot hold them.
 * @throws RangeError for an invalid WallClock.
 * @example
 * wallClockToUtcDate({ year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 1234567 })
 * // 2013-12-31T23:59:59.123Z
 */
export function wallClockToUtcDate(w: WallClock): Date {
  assertWallClock(w, 'wallClockToUtcDate')
  const d = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  d.setUTCFullYear(w.year, w.month - 1, w.day)
  d.setUTCHours(w.hour, w.minute, w.second, Math.floor(w.ticks / TICKS_PER_MS))
  return d
}

/**
 * A valid wall clock from either form: a `Date` through its UTC fields, a WallClock as it is.
 * @param fn the caller's name, which starts the error's message
 * @throws RangeError for an invalid Date or WallClock (e.g. February 30, year 0).
 */
export function toWallClock(d: WallClock | Date, fn: string): WallClock {
  if (d instanceof Date) {
    if (Number.isNaN(d.getTime())) throw new RangeError(`${fn}: invalid Date`)
    try {
      return wallClockFromUtcDate(d)
    } catch (e) {
      throw new RangeError(`${fn}: ${(e as Error).message}`)
    }
  }
  assertWallClock(d, fn)
  return d
}

/** Has the fields of a WallClock (not checked for range), and is not a `Date`. */
export function isWallClockShape(v: unknown): v is WallClock {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && 'year' in v && 'ticks' in v
}

// ---------------------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------------------

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/**
 * Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm), negative before it; avoids
 * Date's two-digit-year quirks and works for years 1..9999. Consecutive days get consecutive numbers, so it also
 * orders and compares dates.
 * @example
 * daysSinceEpoch(1970, 1, 2) // 1
 * daysSinceEpoch(1, 1, 1)    // -719162
 */
export function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (month + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** The date {@link daysSinceEpoch} numbers `days`. */
function dateOfEpochDay(days: number): { year: number; month: number; day: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

/** Adds (possibly negative) ticks to a valid wall clock; null when the result leaves years 1..9999. */
function addTicks(w: WallClock, delta: number): WallClock | null {
  let days = daysSinceEpoch(w.year, w.month, w.day)
  let tod = ((w.hour * 60 + w.minute) * 60 + w.second) * TICKS_PER_SECOND + w.ticks + delta
  const carry = Math.floor(tod / TICKS_PER_DAY)
  days += carry
  tod -= carry * TICKS_PER_DAY
  const { year, month, day } = dateOfEpochDay(days)
  if (year < 1 || year > 9999) return null
  const ticks = tod % TICKS_PER_SECOND
  const totalSeconds = (tod - ticks) / TICKS_PER_SECOND
  return {
    year,
    month,
    day,
    hour: Math.floor(totalSeconds / 3600),
    minute: Math.floor(totalSeconds / 60) % 60,
    second: totalSeconds % 60,
    ticks,
  }
}

function wallClockProblem(w: WallClock): string | null {
  const fields: [keyof WallClock, number, number][] = [
    ['year', 1, 9999],
    ['month', 1, 12],
    ['day', 1, 31],
    ['hour', 0, 23],
    ['minute', 0, 59],
    ['second', 0, 59],
    ['ticks', 0, TICKS_PER_SECOND - 1],
  ]
  for (const [name, min, max] of fields) {
    const v = w[name]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return `${name} ${String(v)} is outside ${min}..${max}`
    }
  }
  const dim = daysInMonth(w.year, w.month)
  if (w.day > dim) return `day ${w.day} does not exist in ${pad(w.year, 4)}-${pad(w.month, 2)}`
  return null
}

function assertWallClock(w: WallClock, fn: string): void {
  if (typeof w !== 'object' || w === null) throw new RangeError(`${fn}: expected a WallClock, got ${typeName(w)}`)
  const problem = wallClockProblem(w)
  if (problem !== null) throw new RangeError(`${fn}: invalid WallClock: ${problem}`)
}

// ---------------------------------------------------------------------------------------------------------
// Text forms
// ---------------------------------------------------------------------------------------------------------

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/**
 * The .NET invariant form with all 7 tick digits, as SuperOffice writes inside `[DT:…]`.
 * @example
 * formatInvariantDateTime({ year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 1234567 })
 * // '12/31/2013 23:59:59.1234567'
 */
export function formatInvariantDateTime(w: WallClock): string {
  return (
    `${pad(w.month, 2)}/${pad(w.day, 2)}/${pad(w.year, 4)} ` +
    `${pad(w.hour, 2)}:${pad(w.minute, 2)}:${pad(w.second, 2)}.${pad(w.ticks, 7)}`
  )
}

/**
 * `yyyy-MM-dd HH:mm:ss` (or with `T` between date and time), fractions of a second dropped.
 * @example
 * formatIsoDateTime({ year: 2013, month: 5, day: 13, hour: 13, minute: 50, second: 48, ticks: 5 }, ' ') // '2013-05-13 13:50:48'
 */
export function formatIsoDateTime(w: WallClock, separator: 'T' | ' '): string {
  return `${pad(w.year, 4)}-${pad(w.month, 2)}-${pad(w.day, 2)}${separator}${pad(w.hour, 2)}:${pad(w.minute, 2)}:${pad(w.second, 2)}`
}

/** Fraction digits → ticks, rounding past the 7th digit like .NET's parser (may return 10_000_000). */
function fractionToTicks(f: string): number {
  if (f.length <= 7) return Number(f.padEnd(7, '0'))
  return Number(f.slice(0, 7)) + (f.charCodeAt(7) >= 0x35 /* '5' */ ? 1 : 0)
}

interface DateParts {
  year: string
  month: string
  day: string
  hour?: string | undefined
  minute?: string | undefined
  second?: string | undefined
  fraction?: string | undefined
  ampm?: string | undefined
  offset?: string | undefined
}

/**
 * What {@link parseWallClockText} read. A failure says whether the text had a recognised date layout (and a value
 * that does not exist, such as February 30) or none at all.
 */
export type WallClockText = { ok: true; value: WallClock } | { ok: false; reason: string; recognised: boolean }

function buildWallClock(p: DateParts): WallClockText {
  const bad = (reason: string): WallClockText => ({ ok: false, reason, recognised: true })
  let hour = Number(p.hour ?? '0')
  if (p.ampm !== undefined) {
    if (hour > 12) return bad(`hour ${hour} cannot be used with ${p.ampm.toUpperCase()}`)
    const pm = p.ampm.toUpperCase() === 'PM'
    if (pm && hour < 12) hour += 12
    if (!pm && hour === 12) hour = 0
  }
  const base: WallClock = {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour,
    minute: Number(p.minute ?? '0'),
    second: Number(p.second ?? '0'),
    ticks: 0,
  }
  const problem = wallClockProblem(base)
  if (problem !== null) return bad(problem)
  let offsetMinutes = 0
  if (p.offset !== undefined && p.offset.toUpperCase() !== 'Z') {
    const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(p.offset)
    const oh = Number(m?.[2] ?? '0')
    const om = Number(m?.[3] ?? '0')
    if (oh > 14 || om > 59) return bad(`time zone offset ${p.offset} is out of range`)
    offsetMinutes = (m?.[1] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const delta = fractionToTicks(p.fraction ?? '') - offsetMinutes * TICKS_PER_MINUTE
  if (delta === 0) return { ok: true, value: base }
  const shifted = addTicks(base, delta)
  if (shifted === null) return bad('outside the .NET DateTime range 0001..9999 after applying the offset')
  return { ok: true, value: shifted }
}

const INVARIANT_DATE =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*(AM|PM))?)?$/i
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T\s](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i
const TIME_ONLY = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*(AM|PM))?$/i

/**
 * Reads invariant `MM/dd/yyyy[ HH:mm[:ss[.f]]][ AM|PM]` or ISO `yyyy-MM-dd[THH:mm[:ss[.f]]][Z|±hh:mm]` (converted
 * to UTC), and with `allowTimeOnly` a time alone, which gets the date 0001-01-01. Surrounding white space is ignored.
 * @example
 * parseWallClockText('2013-12-31T23:59:59+01:00', false) // { ok: true, value: { ...hour: 22... } }
 * parseWallClockText('02/30/2013', false)                // { ok: false, recognised: true, reason: 'day 30 does not exist in 2013-02' }
 */
export function parseWallClockText(text: string, allowTimeOnly: boolean): WallClockText {
  const t = text.trim()
  let m = INVARIANT_DATE.exec(t)
  if (m) {
    return buildWallClock({
      month: m[1] ?? '',
      day: m[2] ?? '',
      year: m[3] ?? '',
      hour: m[4],
      minute: m[5],
      second: m[6],
      fraction: m[7],
      ampm: m[8],
    })
  }
  m = ISO_DATE.exec(t)
  if (m) {
    return buildWallClock({
      year: m[1] ?? '',
      month: m[2] ?? '',
      day: m[3] ?? '',
      hour: m[4],
      minute: m[5],
      second: m[6],
      fraction: m[7],
      offset: m[8],
    })
  }
  if (allowTimeOnly) {
    m = TIME_ONLY.exec(t)
    if (m) {
      return buildWallClock({
        year: '1',
        month: '1',
        day: '1',
        hour: m[1],
        minute: m[2],
        second: m[3],
        fraction: m[4],
        ampm: m[5],
      })
    }
  }
  return {
    ok: false,
    recognised: false,
    reason: t === '' ? 'empty value' : 'not a recognised date format (MM/dd/yyyy HH:mm:ss or yyyy-MM-ddTHH:mm:ss)',
  }
}
