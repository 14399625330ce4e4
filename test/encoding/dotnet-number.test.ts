import t from 'tap'
import { formatDotNetDouble, INT32_RANGE_REASON, parseDotNetDouble, parseDotNetInt32, parsePlainNumber } from '../../src/encoding/dotnet-number.js'

t.test('parseDotNetInt32 reads int.TryParse(NumberStyles.Integer) input', async (t) => {
  const rows: [string, ReturnType<typeof parseDotNetInt32>][] = [
    [' \t-7\r\n', { ok: true, value: -7 }],
    ['+0042', { ok: true, value: 42 }],
    ['-0', { ok: true, value: 0 }],
    ['00000000002147483647', { ok: true, value: 2147483647 }],
    ['-2147483648', { ok: true, value: -2147483648 }],
    ['2147483648', { ok: false, reason: INT32_RANGE_REASON }],
    ['\u00a042', { ok: false, reason: 'not a whole number' }],
    ['1e3', { ok: false, reason: 'not a whole number' }],
    ['', { ok: false, reason: 'empty value' }],
  ]
  for (const [text, want] of rows) t.strictSame(parseDotNetInt32(text), want, JSON.stringify(text))
  t.ok(Object.is((parseDotNetInt32('-0') as { value: number }).value, 0), '-0 reads as 0')
})

t.test('parseDotNetDouble reads double.TryParse(NumberStyles.Any) input', async (t) => {
  const rows: [string, ReturnType<typeof parseDotNetDouble>][] = [
    ['(1,234.5)', { ok: true, value: -1234.5 }],
    ['12.5-', { ok: true, value: -12.5 }],
    ['.5e1', { ok: true, value: 5 }],
    ['-Infinity', { ok: true, value: -Infinity }],
    ['1e400', { ok: false, reason: 'outside the range of a double' }],
    ['(12.5', { ok: false, reason: 'unbalanced parentheses' }],
    ['-12.5+', { ok: false, reason: 'two signs' }],
    ['.', { ok: false, reason: 'not a number' }],
    ['1.2.3', { ok: false, reason: 'not a number' }],
  ]
  for (const [text, want] of rows) t.strictSame(parseDotNetDouble(text), want, JSON.stringify(text))
  t.ok(Number.isNaN((parseDotNetDouble('NaN') as { value: number }).value), 'NaN, as .NET reads it')
})

t.test('parsePlainNumber takes JS-style decimals only', async (t) => {
  t.equal(parsePlainNumber(' 1e3 '), 1000)
  t.equal(parsePlainNumber('-.5'), -0.5)
  t.equal(parsePlainNumber('1,5'), null, 'a comma is ambiguous between locales')
  t.equal(parsePlainNumber('1e400'), null)
  t.equal(parsePlainNumber('0x10'), null)
})

t.test('formatDotNetDouble lays out shortest round-trip digits by .NET "G" rules', async (t) => {
  const rows: [number, string][] = [
    [-0, '0'],
    [12345.6789, '12345.6789'],
    [0.0001, '0.0001'],
    [0.00001, '1E-05'],
    [1e15, '1E+15'],
    [123456789012345680, '1.2345678901234568E+17'],
    [1e21, '1E+21'],
    [-2.5e-10, '-2.5E-10'],
    [5e-324, '5E-324'],
  ]
  for (const [n, want] of rows) t.equal(formatDotNetDouble(n), want, String(n))
  for (const n of [0.1 + 0.2, 1 / 3, Number.MAX_VALUE, 2 ** 53 + 2]) t.equal(Number(formatDotNetDouble(n)), n, `${n} reads back`)
})
