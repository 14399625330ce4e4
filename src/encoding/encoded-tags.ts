/**
 * SuperOffice `CultureDataFormatter` encoded values (contract §9.1): typed values travel as strings of the form
 * `[TAG:value]` (`[I:42]`, `[F:12.5]`, `[DT:12/31/2013 23:59:59.0000000]`, ...). This module emits exactly the forms
 * SuperOffice's DLL emits and reads every tag it may send. Dates follow the time-zone rule of `wall-clock.ts`.
 */
import { describeInput } from './describe.js'
import { formatDotNetDouble, INT32_MAX, INT32_MIN, parseDotNetDouble, parseDotNetInt32, type Parsed } from './dotnet-number.js'
import { formatInvariantDateTime, parseWallClockText, toWallClock, type WallClock } from './wall-clock.js'

/** Result of {@link parseEncoded}. `invalid` is a bracketed value of a known tag whose payload does not parse. */
export type EncodedValue =
  | { kind: 'integer'; value: number }
  | { kind: 'double'; value: number; decimals?: number }
  | { kind: 'money'; value: number; decimals?: number }
  | { kind: 'datetime'; value: WallClock }
  | { kind: 'date'; value: WallClock }
  | { kind: 'time'; value: WallClock }
  | { kind: 'timespan'; seconds: number }
  | { kind: 'intArray'; values: number[] }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'text'; value: string }
  | { kind: 'invalid'; tag: string; raw: string; reason: string }

// ---------------------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------------------

/**
 * Encodes a 32-bit integer as SuperOffice's `EncodeInt` does.
 * @throws RangeError if `n` is not an integer in -2147483648..2147483647 (.NET `int`).
 * @example
 * encodeInteger(12345) // '[I:12345]'
 */
export function encodeInteger(n: number): string {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
    throw new RangeError(`encodeInteger: expected a 32-bit integer (${INT32_MIN}..${INT32_MAX}), got ${String(n)}`)
  }
  return `[I:${n === 0 ? 0 : n}]`
}

/**
 * Encodes a checkbox. SuperOffice has no bool encoder; checkboxes are `EncodeInt(1/0)`.
 * @example
 * encodeCheckbox(true) // '[I:1]'
 */
export function encodeCheckbox(b: boolean): string {
  if (typeof b !== 'boolean') throw new TypeError(`encodeCheckbox: expected a boolean, got ${typeof b}`)
  return b ? '[I:1]' : '[I:0]'
}

/**
 * Encodes a double like `"[F:" + value.ToString(CultureInfo.InvariantCulture) + "]"` on .NET Core 3.0+
 * (shortest round-trip digits; exponent form below 1E-04 and beyond 15 integer digits).
 * `-0` is written as `0` (the .NET Framework output), since both parse to zero.
 * @throws RangeError for NaN and ±Infinity, which have no useful meaning to SuperOffice.
 * @example
 * encodeDouble(12345.6789) // '[F:12345.6789]'
 * encodeDouble(0.00001)    // '[F:1E-05]'
 * encodeDouble(1e21)       // '[F:1E+21]'
 */
export function encodeDouble(n: number): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new RangeError(`encodeDouble: expected a finite number, got ${String(n)}`)
  }
  return `[F:${formatDotNetDouble(n)}]`
}

/**
 * Encodes a date-time as `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` (no zone). A `Date` is read through its UTC fields
 * (see the time-zone rule in `wall-clock.ts`); pass a {@link WallClock} to keep sub-millisecond ticks.
 * @throws RangeError for an invalid Date or WallClock (e.g. February 30, year 0).
 * @example
 * encodeDateTime({ year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 1234567 })
 * // '[DT:12/31/2013 23:59:59.1234567]'
 * encodeDateTime(new Date('2013-12-31T23:59:59.123Z')) // '[DT:12/31/2013 23:59:59.1230000]'
 */
export function encodeDateTime(d: WallClock | Date): string {
  return `[DT:${formatInvariantDateTime(toWallClock(d, 'encodeDateTime'))}]`
}

/**
 * Encodes the date part as `[D:MM/dd/yyyy 00:00:00.0000000]`; the time of day is dropped.
 * @throws RangeError for an invalid Date or WallClock.
 * @example
 * encodeDate({ year: 2013, month: 12, day: 31, hour: 15, minute: 0, second: 0, ticks: 0 })
 * // '[D:12/31/2013 00:00:00.0000000]'
 */
export function encodeDate(d: WallClock | Date): string {
  const w = toWallClock(d, 'encodeDate')
  return `[D:${formatInvariantDateTime({ ...w, hour: 0, minute: 0, second: 0, ticks: 0 })}]`
}

// ---------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------

const DATE_TAGS = new Set(['D', 'DT', 'T'])
const KNOWN_TAGS = new Set(['I', 'F', 'M', 'D', 'DT', 'T', 'TS', 'A', 'B'])

/**
 * Parses any value SuperOffice may send, following `CultureDataFormatter.ParseEncoded`:
 * `[TAG:value]` (a `:` inside the brackets is required) is decoded by tag; unbracketed `true`/`false`
 * (any case) is a boolean; anything else is text. Never throws for string input: a known tag whose value
 * does not parse yields `{ kind: 'invalid' }` with a reason.
 *
 * Deliberate choices:
 * - Tags are case-sensitive and a bracketed value with an unknown tag (`[X:1]`, `[Note: call me]`) is `text`:
 *   Text fields carry arbitrary user strings, and rejecting them would lose legitimate data.
 * - The `<1-2 digits>:` decimals prefix (`[F:2:12.5]`) is stripped for every tag except D/DT/T, where a leading
 *   `12:` is more plausibly an hour (`[T:12:30:00]`) and SuperOffice never writes decimals.
 * - In D/DT/T values `+` means space (the DLL's rule); if that reading fails, the value is retried as-is so an
 *   ISO offset such as `+01:00` still works.
 * - `[A:]` is an empty int array; `-0` is returned as `0`; doubles that overflow (`1e400`) are invalid,
 *   NaN/Infinity are accepted because .NET parses them (the typed parsers reject them).
 * @example
 * parseEncoded('[I:42]')      // { kind: 'integer', value: 42 }
 * parseEncoded('[F:2:12.5]')  // { kind: 'double', value: 12.5, decimals: 2 }
 * parseEncoded('[I:abc]')     // { kind: 'invalid', tag: 'I', raw: '[I:abc]', reason: 'not a whole number' }
 * parseEncoded('TRUE')        // { kind: 'boolean', value: true }
 */
export function parseEncoded(s: string): EncodedValue {
  const parts = splitEncoded(s)
  if (parts === null || !KNOWN_TAGS.has(parts.tag)) {
    const lower = s.toLowerCase()
    if (lower === 'true') return { kind: 'boolean', value: true }
    if (lower === 'false') return { kind: 'boolean', value: false }
    return { kind: 'text', value: s }
  }
  const { tag } = parts
  let body = parts.body
  let decimals: number | undefined
  if (!DATE_TAGS.has(tag)) {
    const m = /^(\d{1,2}):/.exec(body)
    if (m) {
      decimals = Number(m[1])
      body = body.slice(m[0].length)
    }
  }
  const invalid = (reason: string): EncodedValue => ({ kind: 'invalid', tag, raw: s, reason })

  switch (tag) {
    case 'I':
    case 'TS': {
      const r = parseDotNetInt32(body)
      if (!r.ok) return invalid(r.reason)
      return tag === 'I' ? { kind: 'integer', value: r.value } : { kind: 'timespan', seconds: r.value }
    }
    case 'F':
    case 'M': {
      const r = parseDotNetDouble(body)
      if (!r.ok) return invalid(r.reason)
      const kind = tag === 'F' ? 'double' : 'money'
      return decimals === undefined ? { kind, value: r.value } : { kind, value: r.value, decimals }
    }
    case 'D':
    case 'DT':
    case 'T': {
      const r = parseDatePayload(body, tag === 'T')
      if (!r.ok) return invalid(r.reason)
      const kind = tag === 'D' ? 'date' : tag === 'DT' ? 'datetime' : 'time'
      return { kind, value: r.value }
    }
    case 'A': {
      if (body === '') return { kind: 'intArray', values: [] }
      const values: number[] = []
      const items = body.split(',')
      for (let i = 0; i < items.length; i++) {
        const item = items[i] ?? ''
        const r = parseDotNetInt32(item)
        if (!r.ok) return invalid(`item ${i + 1} ${describeInput(item)}: ${r.reason}`)
        values.push(r.value)
      }
      return { kind: 'intArray', values }
    }
    default: {
      // Only 'B' is left in KNOWN_TAGS.
      const r = parseBase64(body)
      if (!r.ok) return invalid(r.reason)
      return { kind: 'binary', bytes: r.value }
    }
  }
}

/**
 * A D/DT/T value by the DLL's rule: `+` means space; when that reading fails the text is retried as-is, so that
 * an ISO offset (`+01:00`) survives.
 * @example
 * parseDatePayload('12/31/2013+23:59:59', false) // { ok: true, value: { ...hour: 23... } }
 */
export function parseDatePayload(value: string, allowTimeOnly: boolean): Parsed<WallClock> {
  const spaced = value.replace(/\+/g, ' ')
  const first = parseWallClockText(spaced, allowTimeOnly)
  if (first.ok) return first
  if (spaced !== value) {
    const second = parseWallClockText(value, allowTimeOnly)
    if (second.ok || second.recognised) return second
  }
  return first
}

function splitEncoded(s: string): { tag: string; body: string } | null {
  if (s.length < 3 || !s.startsWith('[') || !s.endsWith(']')) return null
  const inner = s.slice(1, -1)
  const colon = inner.indexOf(':')
  if (colon < 0) return null
  return { tag: inner.slice(0, colon), body: inner.slice(colon + 1) }
}

/** `Convert.FromBase64String`: white space ignored, length a multiple of 4, at most two `=` at the end. */
function parseBase64(text: string): Parsed<Uint8Array> {
  const t = text.replace(/[\t\n\r ]/g, '')
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return { ok: false, reason: 'not valid base64' }
  return { ok: true, value: new Uint8Array(Buffer.from(t, 'base64')) }
}
