import t from 'tap'
import { encodeCheckbox, encodeDate, encodeDateTime, encodeDouble, encodeInteger, parseEncoded, type EncodedValue } from '../../src/encoding/encoded-tags.js'
import { parseCheckboxValue, parseDateTimeValue, parseDoubleValue, parseIntegerValue } from '../../src/encoding/field-values.js'
import type { WallClock } from '../../src/encoding/wall-clock.js'
import { wallClock } from '../helpers/wall-clock.js'

// Uint8Array → number[] so deep comparison does not depend on typed-array support in the comparer.
function plain(v: EncodedValue): unknown {
  return v.kind === 'binary' ? { kind: 'binary', bytes: Array.from(v.bytes) } : v
}

t.test('encoders emit the canonical forms', async (t) => {
  const rows: { name: string; got: () => string; want: string }[] = [
    { name: 'integer', got: () => encodeInteger(12345), want: '[I:12345]' },
    { name: 'integer zero', got: () => encodeInteger(0), want: '[I:0]' },
    { name: 'integer negative zero', got: () => encodeInteger(-0), want: '[I:0]' },
    { name: 'integer negative', got: () => encodeInteger(-42), want: '[I:-42]' },
    { name: 'integer max', got: () => encodeInteger(2147483647), want: '[I:2147483647]' },
    { name: 'integer min', got: () => encodeInteger(-2147483648), want: '[I:-2147483648]' },
    { name: 'checkbox true', got: () => encodeCheckbox(true), want: '[I:1]' },
    { name: 'checkbox false', got: () => encodeCheckbox(false), want: '[I:0]' },
    { name: 'double fraction', got: () => encodeDouble(12345.6789), want: '[F:12345.6789]' },
    { name: 'double integral has no .0', got: () => encodeDouble(123), want: '[F:123]' },
    { name: 'double zero', got: () => encodeDouble(0), want: '[F:0]' },
    { name: 'double negative zero', got: () => encodeDouble(-0), want: '[F:0]' },
    { name: 'double negative', got: () => encodeDouble(-1.5), want: '[F:-1.5]' },
    { name: 'double 1E-05', got: () => encodeDouble(0.00001), want: '[F:1E-05]' },
    { name: 'double 0.0001 stays fixed', got: () => encodeDouble(0.0001), want: '[F:0.0001]' },
    { name: 'double 1.5E-07', got: () => encodeDouble(1.5e-7), want: '[F:1.5E-07]' },
    { name: 'double 1E+21', got: () => encodeDouble(1e21), want: '[F:1E+21]' },
    { name: 'double 1E+15', got: () => encodeDouble(1e15), want: '[F:1E+15]' },
    { name: 'double 1e14 stays fixed', got: () => encodeDouble(1e14), want: '[F:100000000000000]' },
    { name: 'double 16 exact digits stay fixed', got: () => encodeDouble(1234567890123456), want: '[F:1234567890123456]' },
    { name: 'double 17 digits large', got: () => encodeDouble(123456789012345680000), want: '[F:1.2345678901234568E+20]' },
    { name: 'double shortest round-trip', got: () => encodeDouble(0.1 + 0.2), want: '[F:0.30000000000000004]' },
    { name: 'double max', got: () => encodeDouble(Number.MAX_VALUE), want: '[F:1.7976931348623157E+308]' },
    { name: 'double min subnormal', got: () => encodeDouble(5e-324), want: '[F:5E-324]' },
    { name: 'double negative exponent', got: () => encodeDouble(-2.5e-10), want: '[F:-2.5E-10]' },
    {
      name: 'datetime 7 digits',
      got: () => encodeDateTime(wallClock(2013, 12, 31, 23, 59, 59, 1234567)),
      want: '[DT:12/31/2013 23:59:59.1234567]',
    },
    {
      name: 'datetime pads fields',
      got: () => encodeDateTime(wallClock(1, 2, 3, 4, 5, 6, 7)),
      want: '[DT:02/03/0001 04:05:06.0000007]',
    },
    {
      name: 'datetime from Date uses UTC fields',
      got: () => encodeDateTime(new Date('2013-12-31T23:59:59.123Z')),
      want: '[DT:12/31/2013 23:59:59.1230000]',
    },
    { name: 'date drops time', got: () => encodeDate(wallClock(2013, 12, 31, 15, 30, 1, 99)), want: '[D:12/31/2013 00:00:00.0000000]' },
    { name: 'date from Date', got: () => encodeDate(new Date('2024-02-29T23:00:00Z')), want: '[D:02/29/2024 00:00:00.0000000]' },
  ]
  for (const r of rows) t.equal(r.got(), r.want, r.name)
})

t.test('encoders reject values they cannot represent', async (t) => {
  const rows: { name: string; call: () => unknown; type: typeof RangeError | typeof TypeError; message: RegExp }[] = [
    { name: 'int32 overflow', call: () => encodeInteger(2147483648), type: RangeError, message: /32-bit integer.*2147483648/ },
    { name: 'int32 underflow', call: () => encodeInteger(-2147483649), type: RangeError, message: /32-bit integer/ },
    { name: 'non-integer', call: () => encodeInteger(1.5), type: RangeError, message: /32-bit integer.*1\.5/ },
    { name: 'NaN integer', call: () => encodeInteger(Number.NaN), type: RangeError, message: /32-bit integer/ },
    { name: 'NaN double', call: () => encodeDouble(Number.NaN), type: RangeError, message: /finite number.*NaN/ },
    { name: 'Infinity double', call: () => encodeDouble(Infinity), type: RangeError, message: /finite number.*Infinity/ },
    { name: '-Infinity double', call: () => encodeDouble(-Infinity), type: RangeError, message: /finite number/ },
    { name: 'checkbox non-boolean', call: () => encodeCheckbox(1 as unknown as boolean), type: TypeError, message: /boolean/ },
    { name: 'Feb 30', call: () => encodeDateTime(wallClock(2023, 2, 30)), type: RangeError, message: /day 30/ },
    { name: 'Feb 29 non-leap', call: () => encodeDate(wallClock(1900, 2, 29)), type: RangeError, message: /day 29/ },
    { name: 'year 0', call: () => encodeDateTime(wallClock(0, 1, 1)), type: RangeError, message: /year 0/ },
    { name: 'year 10000', call: () => encodeDateTime(wallClock(10000, 1, 1)), type: RangeError, message: /year 10000/ },
    { name: 'ticks too big', call: () => encodeDateTime(wallClock(2020, 1, 1, 0, 0, 0, 10_000_000)), type: RangeError, message: /ticks/ },
    { name: 'hour 24', call: () => encodeDateTime(wallClock(2020, 1, 1, 24)), type: RangeError, message: /hour 24/ },
    { name: 'invalid Date', call: () => encodeDateTime(new Date('nope')), type: RangeError, message: /invalid Date/ },
    {
      name: 'Date before year 1',
      call: () => encodeDateTime(new Date('-000001-01-01T00:00:00Z')),
      type: RangeError,
      message: /year -1/,
    },
  ]
  for (const r of rows) t.throws(r.call, { name: r.type.name, message: r.message }, r.name)
})

t.test('round trips: encode → parseEncoded → same value', async (t) => {
  const dateTimes: { name: string; value: WallClock }[] = [
    { name: 'all 7 tick digits', value: wallClock(2013, 12, 31, 23, 59, 59, 9_999_999) },
    { name: 'single tick', value: wallClock(2013, 12, 31, 23, 59, 59, 1) },
    { name: 'year 0001 start', value: wallClock(1, 1, 1) },
    { name: 'year 9999 end', value: wallClock(9999, 12, 31, 23, 59, 59, 9_999_999) },
    { name: 'midnight', value: wallClock(2020, 6, 15, 0, 0, 0, 0) },
    { name: 'leap day', value: wallClock(2024, 2, 29, 12, 0, 0, 5_000_000) },
    { name: 'leap day 2000', value: wallClock(2000, 2, 29, 1, 2, 3, 4) },
  ]
  for (const r of dateTimes) {
    t.strictSame(parseEncoded(encodeDateTime(r.value)), { kind: 'datetime', value: r.value }, `datetime ${r.name}`)
    t.strictSame(parseDateTimeValue(encodeDateTime(r.value)), r.value, `parseDateTimeValue ${r.name}`)
    const midnight = { ...r.value, hour: 0, minute: 0, second: 0, ticks: 0 }
    t.strictSame(parseEncoded(encodeDate(r.value)), { kind: 'date', value: midnight }, `date ${r.name}`)
  }

  const doubles = [
    12345.6789, 0.00001, 1e21, 1e15, -1.5, 0.1 + 0.2, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 123, 2 ** 53 + 2,
    1 / 3, -2.5e-10, 0.0001,
  ]
  for (const n of doubles) {
    t.strictSame(parseEncoded(encodeDouble(n)), { kind: 'double', value: n }, `double ${n}`)
    t.equal(parseDoubleValue(encodeDouble(n)), n, `parseDoubleValue ${n}`)
  }

  for (const n of [0, 1, -1, 2147483647, -2147483648, 42]) {
    t.strictSame(parseEncoded(encodeInteger(n)), { kind: 'integer', value: n }, `integer ${n}`)
    t.equal(parseIntegerValue(encodeInteger(n)), n, `parseIntegerValue ${n}`)
  }

  for (const b of [true, false]) t.equal(parseCheckboxValue(encodeCheckbox(b)), b, `checkbox ${b}`)
})

t.test('parseEncoded', async (t) => {
  const rows: { given: string; want: unknown }[] = [
    // integers
    { given: '[I:42]', want: { kind: 'integer', value: 42 } },
    { given: '[I:-42]', want: { kind: 'integer', value: -42 } },
    { given: '[I:+7]', want: { kind: 'integer', value: 7 } },
    { given: '[I: 42 ]', want: { kind: 'integer', value: 42 } },
    { given: '[I:007]', want: { kind: 'integer', value: 7 } },
    { given: '[I:-0]', want: { kind: 'integer', value: 0 } },
    { given: '[I:2147483647]', want: { kind: 'integer', value: 2147483647 } },
    { given: '[I:-2147483648]', want: { kind: 'integer', value: -2147483648 } },
    { given: '[I:2147483648]', want: { kind: 'invalid', tag: 'I', raw: '[I:2147483648]', reason: 'outside the 32-bit integer range -2147483648..2147483647' } },
    { given: '[I:-2147483649]', want: { kind: 'invalid', tag: 'I', raw: '[I:-2147483649]', reason: 'outside the 32-bit integer range -2147483648..2147483647' } },
    { given: '[I:99999999999999999999]', want: { kind: 'invalid', tag: 'I', raw: '[I:99999999999999999999]', reason: 'outside the 32-bit integer range -2147483648..2147483647' } },
    { given: '[I:abc]', want: { kind: 'invalid', tag: 'I', raw: '[I:abc]', reason: 'not a whole number' } },
    { given: '[I:1.5]', want: { kind: 'invalid', tag: 'I', raw: '[I:1.5]', reason: 'not a whole number' } },
    { given: '[I:1,000]', want: { kind: 'invalid', tag: 'I', raw: '[I:1,000]', reason: 'not a whole number' } },
    { given: '[I:]', want: { kind: 'invalid', tag: 'I', raw: '[I:]', reason: 'empty value' } },
    { given: '[I:  ]', want: { kind: 'invalid', tag: 'I', raw: '[I:  ]', reason: 'empty value' } },
    // nested brackets: the tag is everything before the first ':'
    { given: '[I:[I:5]]', want: { kind: 'invalid', tag: 'I', raw: '[I:[I:5]]', reason: 'not a whole number' } },
    { given: '[[I:5]]', want: { kind: 'text', value: '[[I:5]]' } },
    // doubles
    { given: '[F:12345.6789]', want: { kind: 'double', value: 12345.6789 } },
    { given: '[F:2:12.5]', want: { kind: 'double', value: 12.5, decimals: 2 } },
    { given: '[F:10:1]', want: { kind: 'double', value: 1, decimals: 10 } },
    { given: '[F:123:5]', want: { kind: 'invalid', tag: 'F', raw: '[F:123:5]', reason: 'not a number' } },
    { given: '[F:1E-05]', want: { kind: 'double', value: 0.00001 } },
    { given: '[F:1e+21]', want: { kind: 'double', value: 1e21 } },
    { given: '[F:-2.5E-10]', want: { kind: 'double', value: -2.5e-10 } },
    { given: '[F:-12.5]', want: { kind: 'double', value: -12.5 } },
    { given: '[F: 12.5\t]', want: { kind: 'double', value: 12.5 } },
    { given: '[F:1,234.5]', want: { kind: 'double', value: 1234.5 } },
    { given: '[F:.5]', want: { kind: 'double', value: 0.5 } },
    { given: '[F:5.]', want: { kind: 'double', value: 5 } },
    { given: '[F:(5)]', want: { kind: 'double', value: -5 } },
    { given: '[F:5-]', want: { kind: 'double', value: -5 } },
    { given: '[F:1e-400]', want: { kind: 'double', value: 0 } },
    { given: '[F:1e400]', want: { kind: 'invalid', tag: 'F', raw: '[F:1e400]', reason: 'outside the range of a double' } },
    { given: '[F:Infinity]', want: { kind: 'double', value: Infinity } },
    { given: '[F:-Infinity]', want: { kind: 'double', value: -Infinity } },
    { given: '[F:12,5,]', want: { kind: 'double', value: 125 } },
    { given: '[F:,5]', want: { kind: 'invalid', tag: 'F', raw: '[F:,5]', reason: 'not a number' } },
    { given: '[F:1.2.3]', want: { kind: 'invalid', tag: 'F', raw: '[F:1.2.3]', reason: 'not a number' } },
    { given: '[F:.]', want: { kind: 'invalid', tag: 'F', raw: '[F:.]', reason: 'not a number' } },
    { given: '[F:1e]', want: { kind: 'invalid', tag: 'F', raw: '[F:1e]', reason: 'not a number' } },
    { given: '[F:-5-]', want: { kind: 'invalid', tag: 'F', raw: '[F:-5-]', reason: 'two signs' } },
    { given: '[F:(5]', want: { kind: 'invalid', tag: 'F', raw: '[F:(5]', reason: 'unbalanced parentheses' } },
    { given: '[F:]', want: { kind: 'invalid', tag: 'F', raw: '[F:]', reason: 'empty value' } },
    { given: '[M:2:99.95]', want: { kind: 'money', value: 99.95, decimals: 2 } },
    { given: '[M:-3]', want: { kind: 'money', value: -3 } },
    // dates
    { given: '[DT:12/31/2013 23:59:59.0000000]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59) } },
    { given: '[DT:12/31/2013 23:59:59.1234567]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59, 1234567) } },
    { given: '[DT:12/31/2013 23:59:59]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59) } },
    { given: '[DT:12/31/2013 23:59]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59) } },
    { given: '[DT:12/31/2013]', want: { kind: 'datetime', value: wallClock(2013, 12, 31) } },
    { given: '[DT:12/31/2013+23:59:59.5]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59, 5_000_000) } },
    { given: '[DT:1/2/2013+1:02:03+PM]', want: { kind: 'datetime', value: wallClock(2013, 1, 2, 13, 2, 3) } },
    { given: '[DT:1/2/2013 1:02:03 PM]', want: { kind: 'datetime', value: wallClock(2013, 1, 2, 13, 2, 3) } },
    { given: '[DT:1/2/2013 12:00:00 AM]', want: { kind: 'datetime', value: wallClock(2013, 1, 2, 0, 0, 0) } },
    { given: '[DT:1/2/2013 12:30:00 PM]', want: { kind: 'datetime', value: wallClock(2013, 1, 2, 12, 30, 0) } },
    { given: '[DT:1/2/2013 11:59:59 pm]', want: { kind: 'datetime', value: wallClock(2013, 1, 2, 23, 59, 59) } },
    { given: '[DT:1/2/2013 13:00:00 PM]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:1/2/2013 13:00:00 PM]', reason: 'hour 13 cannot be used with PM' } },
    { given: '[DT:2013-12-31T23:59:59]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59) } },
    { given: '[DT:2013-12-31T23:59:59.1234567Z]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59, 1234567) } },
    { given: '[DT:2013-12-31T23:59:59+01:00]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 22, 59, 59) } },
    { given: '[DT:2013-12-31T23:30:00-05:30]', want: { kind: 'datetime', value: wallClock(2014, 1, 1, 5, 0, 0) } },
    { given: '[DT:2024-03-01T00:30:00+0100]', want: { kind: 'datetime', value: wallClock(2024, 2, 29, 23, 30, 0) } },
    { given: '[DT:2013-12-31T23:59:59.99999999]', want: { kind: 'datetime', value: wallClock(2014, 1, 1, 0, 0, 0, 0) } },
    { given: '[DT:2013-12-31T23:59:59.12345674]', want: { kind: 'datetime', value: wallClock(2013, 12, 31, 23, 59, 59, 1234567) } },
    { given: '[DT:0001-01-01T00:00:00+01:00]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:0001-01-01T00:00:00+01:00]', reason: 'outside the .NET DateTime range 0001..9999 after applying the offset' } },
    { given: '[DT:2013-12-31T23:59:59+15:00]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:2013-12-31T23:59:59+15:00]', reason: 'time zone offset +15:00 is out of range' } },
    { given: '[DT:13/45/2020]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:13/45/2020]', reason: 'month 13 is outside 1..12' } },
    { given: '[DT:02/30/2020]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:02/30/2020]', reason: 'day 30 does not exist in 2020-02' } },
    { given: '[DT:12/31/2013 24:00:00]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:12/31/2013 24:00:00]', reason: 'hour 24 is outside 0..23' } },
    { given: '[DT:0000-01-01]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:0000-01-01]', reason: 'year 0 is outside 1..9999' } },
    { given: '[DT:now]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:now]', reason: 'not a recognised date format (MM/dd/yyyy HH:mm:ss or yyyy-MM-ddTHH:mm:ss)' } },
    { given: '[DT:]', want: { kind: 'invalid', tag: 'DT', raw: '[DT:]', reason: 'empty value' } },
    { given: '[D:12/31/2013 00:00:00.0000000]', want: { kind: 'date', value: wallClock(2013, 12, 31) } },
    { given: '[D:2013-12-31]', want: { kind: 'date', value: wallClock(2013, 12, 31) } },
    { given: '[D:02/29/2023]', want: { kind: 'invalid', tag: 'D', raw: '[D:02/29/2023]', reason: 'day 29 does not exist in 2023-02' } },
    { given: '[T:12/31/2013 08:15:00.0000000]', want: { kind: 'time', value: wallClock(2013, 12, 31, 8, 15) } },
    { given: '[T:12:30:00]', want: { kind: 'time', value: wallClock(1, 1, 1, 12, 30) } },
    { given: '[T:1:05 PM]', want: { kind: 'time', value: wallClock(1, 1, 1, 13, 5) } },
    // timespan, int array, binary
    { given: '[TS:3600]', want: { kind: 'timespan', seconds: 3600 } },
    { given: '[TS:-5]', want: { kind: 'timespan', seconds: -5 } },
    { given: '[TS:1.5]', want: { kind: 'invalid', tag: 'TS', raw: '[TS:1.5]', reason: 'not a whole number' } },
    { given: '[A:1,2,3]', want: { kind: 'intArray', values: [1, 2, 3] } },
    { given: '[A: 1, -2 ,3 ]', want: { kind: 'intArray', values: [1, -2, 3] } },
    { given: '[A:7]', want: { kind: 'intArray', values: [7] } },
    { given: '[A:]', want: { kind: 'intArray', values: [] } },
    { given: '[A:1,x]', want: { kind: 'invalid', tag: 'A', raw: '[A:1,x]', reason: 'item 2 "x": not a whole number' } },
    { given: '[A:1,,2]', want: { kind: 'invalid', tag: 'A', raw: '[A:1,,2]', reason: 'item 2 "": empty value' } },
    { given: '[B:AQID]', want: { kind: 'binary', bytes: [1, 2, 3] } },
    { given: '[B:AQI=]', want: { kind: 'binary', bytes: [1, 2] } },
    { given: '[B:AQ==]', want: { kind: 'binary', bytes: [1] } },
    { given: '[B:]', want: { kind: 'binary', bytes: [] } },
    { given: '[B:AQ\r\nID]', want: { kind: 'binary', bytes: [1, 2, 3] } },
    { given: '[B:AQ=]', want: { kind: 'invalid', tag: 'B', raw: '[B:AQ=]', reason: 'not valid base64' } },
    { given: '[B:A*ID]', want: { kind: 'invalid', tag: 'B', raw: '[B:A*ID]', reason: 'not valid base64' } },
    // unbracketed
    { given: '', want: { kind: 'text', value: '' } },
    { given: 'hello', want: { kind: 'text', value: 'hello' } },
    { given: '42', want: { kind: 'text', value: '42' } },
    { given: 'true', want: { kind: 'boolean', value: true } },
    { given: 'FALSE', want: { kind: 'boolean', value: false } },
    { given: 'True', want: { kind: 'boolean', value: true } },
    { given: ' true', want: { kind: 'text', value: ' true' } },
    { given: 'yes', want: { kind: 'text', value: 'yes' } },
    // not encoded: missing colon, missing bracket, surrounding space, unknown or lower-case tag
    { given: '[I42]', want: { kind: 'text', value: '[I42]' } },
    { given: '[I:42', want: { kind: 'text', value: '[I:42' } },
    { given: 'I:42]', want: { kind: 'text', value: 'I:42]' } },
    { given: ' [I:42]', want: { kind: 'text', value: ' [I:42]' } },
    { given: '[]', want: { kind: 'text', value: '[]' } },
    { given: '[:5]', want: { kind: 'text', value: '[:5]' } },
    { given: '[X:1]', want: { kind: 'text', value: '[X:1]' } },
    { given: '[i:1]', want: { kind: 'text', value: '[i:1]' } },
    { given: '[Note: call back]', want: { kind: 'text', value: '[Note: call back]' } },
  ]
  for (const r of rows) t.strictSame(plain(parseEncoded(r.given)), r.want, JSON.stringify(r.given))
})
