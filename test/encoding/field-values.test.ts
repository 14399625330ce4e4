import t from 'tap'
import {
  ValueEncodingError,
  decodeFieldValue,
  encodeFieldValue,
  parseCheckboxValue,
  parseDateTimeValue,
  parseDoubleValue,
  parseEncodedDate,
  parseIntegerValue,
  type FieldType,
  type FieldValue,
} from '../../src/encoding/field-values.js'
import type { WallClock } from '../../src/encoding/wall-clock.js'
import { wallClock } from '../helpers/wall-clock.js'

t.test('typed parsers accept liberal input', async (t) => {
  const rows: { name: string; got: () => unknown; want: unknown }[] = [
    { name: 'int [I:n]', got: () => parseIntegerValue('[I:42]'), want: 42 },
    { name: 'int plain', got: () => parseIntegerValue('42'), want: 42 },
    { name: 'int plain negative with spaces', got: () => parseIntegerValue('  -7 '), want: -7 },
    { name: 'int plain exponent', got: () => parseIntegerValue('1e3'), want: 1000 },
    { name: 'int plain 12.0', got: () => parseIntegerValue('12.0'), want: 12 },
    { name: 'int [F:] integral', got: () => parseIntegerValue('[F:3.0]'), want: 3 },
    { name: 'int [F:] with decimals prefix', got: () => parseIntegerValue('[F:2:8]'), want: 8 },
    { name: 'int encoded with outer spaces', got: () => parseIntegerValue(' [I:5] '), want: 5 },
    { name: 'int -0 is 0', got: () => Object.is(parseIntegerValue('-0'), 0), want: true },
    { name: 'double [F:]', got: () => parseDoubleValue('[F:12345.6789]'), want: 12345.6789 },
    { name: 'double [M:]', got: () => parseDoubleValue('[M:2:10.25]'), want: 10.25 },
    { name: 'double [I:]', got: () => parseDoubleValue('[I:-3]'), want: -3 },
    { name: 'double plain', got: () => parseDoubleValue('12.5'), want: 12.5 },
    { name: 'double plain exponent', got: () => parseDoubleValue('1E-05'), want: 0.00001 },
    { name: 'double plain negative', got: () => parseDoubleValue('-.5'), want: -0.5 },
    { name: 'double plain with spaces', got: () => parseDoubleValue(' 3 '), want: 3 },
    { name: 'checkbox [I:1]', got: () => parseCheckboxValue('[I:1]'), want: true },
    { name: 'checkbox [I:0]', got: () => parseCheckboxValue('[I:0]'), want: false },
    { name: 'checkbox 1', got: () => parseCheckboxValue('1'), want: true },
    { name: 'checkbox 0', got: () => parseCheckboxValue('0'), want: false },
    { name: 'checkbox true', got: () => parseCheckboxValue('true'), want: true },
    { name: 'checkbox FALSE', got: () => parseCheckboxValue('FALSE'), want: false },
    { name: 'checkbox " True "', got: () => parseCheckboxValue(' True '), want: true },
    { name: 'datetime [DT:]', got: () => parseDateTimeValue('[DT:12/31/2013 23:59:59.0000001]'), want: wallClock(2013, 12, 31, 23, 59, 59, 1) },
    { name: 'datetime [D:]', got: () => parseDateTimeValue('[D:12/31/2013 00:00:00.0000000]'), want: wallClock(2013, 12, 31) },
    { name: 'datetime [T:]', got: () => parseDateTimeValue('[T:12/31/2013 08:00:00.0000000]'), want: wallClock(2013, 12, 31, 8) },
    { name: 'datetime ISO', got: () => parseDateTimeValue('2013-05-13T13:50:48'), want: wallClock(2013, 5, 13, 13, 50, 48) },
    { name: 'datetime ISO Z fraction', got: () => parseDateTimeValue('2013-05-13T13:50:48.123Z'), want: wallClock(2013, 5, 13, 13, 50, 48, 1230000) },
    { name: 'datetime ISO offset', got: () => parseDateTimeValue('2013-05-13T13:50:48+02:00'), want: wallClock(2013, 5, 13, 11, 50, 48) },
    { name: 'datetime ISO date', got: () => parseDateTimeValue('2013-05-13'), want: wallClock(2013, 5, 13) },
    { name: 'datetime ISO with space', got: () => parseDateTimeValue('2013-05-13 13:50'), want: wallClock(2013, 5, 13, 13, 50) },
    { name: 'datetime invariant', got: () => parseDateTimeValue('05/13/2013 13:50:48'), want: wallClock(2013, 5, 13, 13, 50, 48) },
    { name: 'datetime invariant AM/PM', got: () => parseDateTimeValue('5/13/2013 1:50:48 PM'), want: wallClock(2013, 5, 13, 13, 50, 48) },
    { name: 'datetime plain with +', got: () => parseDateTimeValue('05/13/2013+13:50:48'), want: wallClock(2013, 5, 13, 13, 50, 48) },
    { name: 'datetime outer spaces', got: () => parseDateTimeValue(' 2013-05-13 '), want: wallClock(2013, 5, 13) },
    { name: 'parseEncodedDate [DT:]', got: () => parseEncodedDate('[DT:12/31/2013 23:59:59.0000000]'), want: wallClock(2013, 12, 31, 23, 59, 59) },
    { name: 'parseEncodedDate ISO "s"', got: () => parseEncodedDate('2013-05-13T13:50:48'), want: wallClock(2013, 5, 13, 13, 50, 48) },
    { name: 'parseEncodedDate plain invariant', got: () => parseEncodedDate('12/31/2013'), want: wallClock(2013, 12, 31) },
    { name: 'parseEncodedDate garbage', got: () => parseEncodedDate('yesterday'), want: null },
    { name: 'parseEncodedDate bad date', got: () => parseEncodedDate('[DT:13/45/2020]'), want: null },
    { name: 'parseEncodedDate wrong kind', got: () => parseEncodedDate('[I:5]'), want: null },
    { name: 'parseEncodedDate empty', got: () => parseEncodedDate(''), want: null },
    { name: 'parseEncodedDate number', got: () => parseEncodedDate('103423595'), want: null },
    { name: 'parseEncodedDate time only needs [T:]', got: () => parseEncodedDate('12:30'), want: null },
  ]
  for (const r of rows) t.strictSame(r.got(), r.want, r.name)
})

t.test('typed parsers throw ValueEncodingError naming what was expected', async (t) => {
  const INT = 'Expected an Integer such as [I:42], got '
  const DBL = 'Expected a Double such as [F:12.5] or 12.5, got '
  const CHK = 'Expected a Checkbox value such as [I:1], [I:0], 1, 0, true or false, got '
  const DT = 'Expected a Datetime such as [DT:12/31/2013 23:59:59.0000000] or 2013-12-31T23:59:59, got '
  const rows: { call: () => unknown; message: string }[] = [
    { call: () => parseIntegerValue('abc'), message: `${INT}"abc"` },
    { call: () => parseIntegerValue(''), message: `${INT}""` },
    { call: () => parseIntegerValue('[I:abc]'), message: `${INT}"[I:abc]" (not a whole number)` },
    { call: () => parseIntegerValue('[I:]'), message: `${INT}"[I:]" (empty value)` },
    { call: () => parseIntegerValue('[I:2147483648]'), message: `${INT}"[I:2147483648]" (outside the 32-bit integer range -2147483648..2147483647)` },
    { call: () => parseIntegerValue('2147483648'), message: `${INT}"2147483648" (outside the 32-bit integer range -2147483648..2147483647)` },
    { call: () => parseIntegerValue('[F:1.5]'), message: `${INT}"[F:1.5]" (not a whole number)` },
    { call: () => parseIntegerValue('1.5'), message: `${INT}"1.5" (not a whole number)` },
    { call: () => parseIntegerValue('1,000'), message: `${INT}"1,000"` },
    { call: () => parseIntegerValue('[DT:12/31/2013]'), message: `${INT}"[DT:12/31/2013]" (this is an encoded Datetime)` },
    { call: () => parseIntegerValue('true'), message: `${INT}"true" (this is a boolean)` },
    { call: () => parseIntegerValue(null as unknown as string), message: `${INT}null` },
    { call: () => parseDoubleValue('abc'), message: `${DBL}"abc"` },
    { call: () => parseDoubleValue('1,5'), message: `${DBL}"1,5"` },
    { call: () => parseDoubleValue('[F:x]'), message: `${DBL}"[F:x]" (not a number)` },
    { call: () => parseDoubleValue('[F:NaN]'), message: `${DBL}"[F:NaN]" (not a finite number)` },
    { call: () => parseDoubleValue('[F:Infinity]'), message: `${DBL}"[F:Infinity]" (not a finite number)` },
    { call: () => parseDoubleValue('1e400'), message: `${DBL}"1e400"` },
    { call: () => parseDoubleValue('[B:AQID]'), message: `${DBL}"[B:AQID]" (this is encoded binary data)` },
    { call: () => parseCheckboxValue('maybe'), message: `${CHK}"maybe"` },
    { call: () => parseCheckboxValue('[I:2]'), message: `${CHK}"[I:2]" (a Checkbox integer must be 0 or 1)` },
    { call: () => parseCheckboxValue('[F:1]'), message: `${CHK}"[F:1]" (this is an encoded Double)` },
    { call: () => parseCheckboxValue('yes'), message: `${CHK}"yes"` },
    { call: () => parseCheckboxValue(''), message: `${CHK}""` },
    { call: () => parseDateTimeValue('[DT:13/45/2020]'), message: `${DT}"[DT:13/45/2020]" (month 13 is outside 1..12)` },
    { call: () => parseDateTimeValue('yesterday'), message: `${DT}"yesterday" (not a recognised date format (MM/dd/yyyy HH:mm:ss or yyyy-MM-ddTHH:mm:ss))` },
    { call: () => parseDateTimeValue(''), message: `${DT}"" (empty value)` },
    { call: () => parseDateTimeValue('[I:5]'), message: `${DT}"[I:5]" (this is an encoded Integer)` },
    { call: () => parseDateTimeValue('2013-02-29'), message: `${DT}"2013-02-29" (day 29 does not exist in 2013-02)` },
    { call: () => parseDateTimeValue('x'.repeat(100)), message: `${DT}"${'x'.repeat(77)}..." (not a recognised date format (MM/dd/yyyy HH:mm:ss or yyyy-MM-ddTHH:mm:ss))` },
  ]
  for (const r of rows) {
    t.throws(r.call, { name: 'ValueEncodingError', code: 'INVALID_VALUE', message: r.message }, r.message)
    let caught: unknown
    try {
      r.call()
    } catch (e) {
      caught = e
    }
    t.ok(caught instanceof ValueEncodingError, `instanceof ValueEncodingError: ${r.message}`)
  }
})

t.test('decodeFieldValue', async (t) => {
  const rows: { type: FieldType; given: string; want: FieldValue }[] = [
    { type: 'Text', given: 'Kunden A/S', want: 'Kunden A/S' },
    { type: 'Text', given: '[I:7]', want: '[I:7]' },
    { type: 'Text', given: 'true', want: 'true' },
    { type: 'Text', given: '', want: '' },
    { type: 'Password', given: ' s3cret ', want: ' s3cret ' },
    { type: 'Label', given: 'Heading', want: 'Heading' },
    { type: 'List', given: 'item1', want: 'item1' },
    { type: 'Checkbox', given: '[I:1]', want: true },
    { type: 'Checkbox', given: 'false', want: false },
    { type: 'Integer', given: '[I:-12]', want: -12 },
    { type: 'Integer', given: '12', want: 12 },
    { type: 'Double', given: '[F:1E-05]', want: 0.00001 },
    { type: 'Double', given: '[F:2:12.5]', want: 12.5 },
    { type: 'Datetime', given: '[DT:02/29/2024 12:00:00.0000000]', want: wallClock(2024, 2, 29, 12) },
    { type: 'Datetime', given: '2024-02-29', want: wallClock(2024, 2, 29) },
  ]
  for (const r of rows) t.strictSame(decodeFieldValue(r.type, r.given), r.want, `${r.type} ${JSON.stringify(r.given)}`)

  const bad: { type: FieldType; given: string; message: RegExp }[] = [
    { type: 'Integer', given: 'abc', message: /^Expected an Integer such as \[I:42\], got "abc"$/ },
    { type: 'Double', given: '[DT:12/31/2013]', message: /^Expected a Double such as \[F:12\.5\] or 12\.5, got/ },
    { type: 'Checkbox', given: '2', message: /^Expected a Checkbox value/ },
    { type: 'Datetime', given: '[DT:13/45/2020]', message: /^Expected a Datetime such as .*month 13/ },
    { type: 'Bogus' as FieldType, given: 'x', message: /^Expected a field type \(Checkbox, Text, Password, Integer, Double, List, Datetime, Label\), got "Bogus"$/ },
  ]
  for (const r of bad) {
    t.throws(() => decodeFieldValue(r.type, r.given), { name: 'ValueEncodingError', code: 'INVALID_VALUE', message: r.message }, `${r.type} ${r.given}`)
  }
})

t.test('encodeFieldValue', async (t) => {
  const rows: { type: FieldType; given: FieldValue | Date; want: string }[] = [
    { type: 'Text', given: 'Kunden A/S', want: 'Kunden A/S' },
    { type: 'Password', given: 'p+w:[x]', want: 'p+w:[x]' },
    { type: 'Label', given: '', want: '' },
    { type: 'List', given: 'item3', want: 'item3' },
    { type: 'Checkbox', given: true, want: '[I:1]' },
    { type: 'Checkbox', given: false, want: '[I:0]' },
    { type: 'Integer', given: 42, want: '[I:42]' },
    { type: 'Double', given: 0.5, want: '[F:0.5]' },
    { type: 'Double', given: 7, want: '[F:7]' },
    { type: 'Datetime', given: wallClock(2013, 12, 31, 23, 59, 59, 1234567), want: '[DT:12/31/2013 23:59:59.1234567]' },
    { type: 'Datetime', given: new Date('2013-12-31T00:00:00Z'), want: '[DT:12/31/2013 00:00:00.0000000]' },
  ]
  for (const r of rows) t.equal(encodeFieldValue(r.type, r.given), r.want, `${r.type} ${String(r.given)}`)

  const bad: { type: FieldType; given: FieldValue | Date; error: string; message: RegExp }[] = [
    { type: 'Text', given: 5, error: 'TypeError', message: /Text field needs a string, got a number/ },
    { type: 'Checkbox', given: 1, error: 'TypeError', message: /Checkbox field needs a boolean, got a number/ },
    { type: 'Integer', given: '5', error: 'TypeError', message: /Integer field needs a number, got a string/ },
    { type: 'Integer', given: 1.5, error: 'RangeError', message: /32-bit integer/ },
    { type: 'Double', given: Number.NaN, error: 'RangeError', message: /finite number/ },
    { type: 'Datetime', given: '2013-12-31', error: 'TypeError', message: /Datetime field needs a WallClock or Date, got a string/ },
    { type: 'Datetime', given: wallClock(2013, 13, 1), error: 'RangeError', message: /month 13/ },
    { type: 'Bogus' as FieldType, given: 'x', error: 'TypeError', message: /unknown field type "Bogus"/ },
  ]
  for (const r of bad) {
    t.throws(() => encodeFieldValue(r.type, r.given), { name: r.error, message: r.message }, `${r.type} ${String(r.given)}`)
  }
})
