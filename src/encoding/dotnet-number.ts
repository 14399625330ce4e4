/**
 * Numbers as .NET reads and writes them with the invariant culture: `int.TryParse` and `double.TryParse` with the
 * number styles SuperOffice's `CultureDataFormatter` uses, and `double.ToString()` with its "G" layout. The
 * encoded values (`[I:42]`, `[F:12.5]`) carry their numbers in these forms.
 */

/** The .NET `int` range. */
export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

/** Why a number was refused when it does not fit a .NET `int`. */
export const INT32_RANGE_REASON = `outside the 32-bit integer range ${INT32_MIN}..${INT32_MAX}`

/** A parser's answer: the value, or why the text is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string }

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value }
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason }
}

// .NET's IsWhite: space and \t..\r only (not Unicode spaces).
const DOTNET_WS_EDGES = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g

/**
 * `int.TryParse(s, NumberStyles.Integer, Invariant)`: optional surrounding white space and sign, digits only.
 * @example
 * parseDotNetInt32(' -7 ')       // { ok: true, value: -7 }
 * parseDotNetInt32('2147483648') // { ok: false, reason: 'outside the 32-bit integer range ...' }
 */
export function parseDotNetInt32(text: string): Parsed<number> {
  const t = text.replace(DOTNET_WS_EDGES, '')
  if (t === '') return fail('empty value')
  const m = /^([+-]?)(\d+)$/.exec(t)
  if (!m) return fail('not a whole number')
  const digits = (m[2] ?? '').replace(/^0+(?=\d)/, '')
  if (digits.length > 10) return fail(INT32_RANGE_REASON)
  const v = m[1] === '-' ? -Number(digits) : Number(digits)
  if (v < INT32_MIN || v > INT32_MAX) return fail(INT32_RANGE_REASON)
  return ok(v === 0 ? 0 : v)
}

/**
 * `double.TryParse(s, NumberStyles.Any, Invariant)` minus the currency symbol `¤`, which SuperOffice never writes:
 * white space around, a leading or trailing sign or parentheses, `,` group separators after the first integer
 * digit, `.` decimal point, exponent, and the invariant NaN/Infinity symbols. Overflow is a failure, as on
 * .NET Framework.
 * @example
 * parseDotNetDouble('(1,234.5)') // { ok: true, value: -1234.5 }
 */
export function parseDotNetDouble(text: string): Parsed<number> {
  const t = text.replace(DOTNET_WS_EDGES, '')
  if (t === '') return fail('empty value')
  const special = /^([+-]?)(nan|infinity)$/i.exec(t)
  if (special) {
    if ((special[2] ?? '').toLowerCase() === 'nan') return ok(Number.NaN)
    return ok(special[1] === '-' ? -Infinity : Infinity)
  }
  const m = /^(\(|[+-])?(\d[\d,]*)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?(\)|[+-])?$/.exec(t)
  if (!m) return fail('not a number')
  const [, lead, intPart = '', frac = '', exp = '0', trail] = m
  if (intPart === '' && frac === '') return fail('not a number')
  if ((lead === '(') !== (trail === ')')) return fail('unbalanced parentheses')
  if (lead !== undefined && trail !== undefined && lead !== '(') return fail('two signs')
  const negative = lead === '-' || trail === '-' || lead === '('
  const magnitude = Number(`${intPart.replace(/,/g, '') || '0'}.${frac || '0'}e${exp}`)
  if (!Number.isFinite(magnitude)) return fail('outside the range of a double')
  const v = negative ? -magnitude : magnitude
  return ok(v === 0 ? 0 : v)
}

/**
 * A plain (unbracketed) number: JS-style decimal with optional exponent, no group separators; null otherwise.
 * @example
 * parsePlainNumber(' 1e3 ') // 1000
 * parsePlainNumber('1,5')   // null
 */
export function parsePlainNumber(text: string): number | null {
  const t = text.trim()
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return null
  const v = Number(t)
  if (!Number.isFinite(v)) return null
  return v === 0 ? 0 : v
}

/**
 * A finite double as .NET Core 3.0+ writes it with the invariant culture: shortest round-trip digits (JS and
 * .NET Core both pick the shortest string that reads back to the same double) laid out by .NET's "G" rules:
 * scientific when the decimal exponent is below -5 or the integer part has more than max(15, digit count) digits;
 * exponent with sign and at least two digits. `-0` is written as `0`.
 * @example
 * formatDotNetDouble(0.00001) // '1E-05'
 * formatDotNetDouble(1e21)    // '1E+21'
 */
export function formatDotNetDouble(n: number): string {
  if (n === 0) return '0'
  const [mantissa = '', expText = '0'] = Math.abs(n).toExponential().split('e')
  const digits = mantissa.replace('.', '')
  const exp = Number(expText)
  const scale = exp + 1 // value = 0.<digits> * 10^scale, .NET's number.Scale
  let out: string
  if (scale > Math.max(digits.length, 15) || scale < -3) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : ''
    out = `${digits[0] ?? '0'}${rest}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  } else if (scale <= 0) {
    out = `0.${'0'.repeat(-scale)}${digits}`
  } else if (scale >= digits.length) {
    out = digits + '0'.repeat(scale - digits.length)
  } else {
    out = `${digits.slice(0, scale)}.${digits.slice(scale)}`
  }
  return n < 0 ? `-${out}` : out
}
