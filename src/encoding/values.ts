/**
 * SuperOffice `CultureDataFormatter` value encodings (contract §9.1, §9.2).
 *
 * Every field value, search-restriction value, default value and ConnectionInfo value on the wire is a string.
 * Typed values travel as `[TAG:value]` (`[I:42]`, `[F:12.5]`, `[DT:12/31/2013 23:59:59.0000000]`, ...).
 * This module emits exactly the forms SuperOffice's DLL emits and accepts everything it may send,
 * plus plain numbers and ISO dates (the contract's recommendation).
 *
 * Time-zone rule (one rule, everywhere): the encoded date forms carry no zone, so a date-time is a
 * **wall-clock value** ({@link WallClock}). It is never converted to or from the machine's local zone.
 * When a JS `Date` is needed, its UTC fields are the wall clock ({@link wallClockFromUtcDate},
 * {@link wallClockToUtcDate}). The only conversion that happens is on input: an ISO string with `Z` or an
 * offset (`2013-12-31T23:59:59+01:00`) is converted to the UTC wall clock (`22:59:59`), because that is the
 * only zone-independent reading. (.NET `DateTime.TryParse` would convert it to the server's local time.)
 */

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

/** `FieldMetadataTypeInfoWS` member names, spelled as on the wire (§4.4). */
export type FieldType = 'Checkbox' | 'Text' | 'Password' | 'Integer' | 'Double' | 'List' | 'Datetime' | 'Label'

/** All {@link FieldType} names, for validating strings that come off the wire. */
export const FIELD_TYPES: readonly FieldType[] = [
  'Checkbox',
  'Text',
  'Password',
  'Integer',
  'Double',
  'List',
  'Datetime',
  'Label',
]

/** JS representation of a decoded field value: Checkbox → boolean, Integer/Double → number, Datetime → WallClock, others → string. */
export type FieldValue = boolean | string | number | WallClock

/**
 * A value that does not match what its field type or parser expects. `code` is stable so callers can map it
 * to a SOAP error without matching on message text.
 */
export class ValueEncodingError extends Error {
  readonly code = 'INVALID_VALUE' as const
  /** What was expected, e.g. `an Integer such as [I:42]`. */
  readonly expected: string
  /** The offending input. */
  readonly received: unknown

  /**
   * @example
   * throw new ValueEncodingError('an Integer such as [I:42]', 'abc')
   * // message: Expected an Integer such as [I:42], got "abc"
   */
  constructor(expected: string, received: unknown, reason?: string) {
    super(`Expected ${expected}, got ${describeInput(received)}${reason ? ` (${reason})` : ''}`)
    this.name = 'ValueEncodingError'
    this.expected = expected
    this.received = received
  }
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const TICKS_PER_SECOND = 10_000_000
const TICKS_PER_MS = 10_000
const TICKS_PER_MINUTE = 60 * TICKS_PER_SECOND
const TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND

const EXPECT_INTEGER = 'an Integer such as [I:42]'
const EXPECT_DOUBLE = 'a Double such as [F:12.5] or 12.5'
const EXPECT_CHECKBOX = 'a Checkbox value such as [I:1], [I:0], 1, 0, true or false'
const EXPECT_DATETIME = 'a Datetime such as [DT:12/31/2013 23:59:59.0000000] or 2013-12-31T23:59:59'

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
 * (see the module's time-zone rule); pass a {@link WallClock} to keep sub-millisecond ticks.
 * @throws RangeError for an invalid Date or WallClock (e.g. February 30, year 0).
 * @example
 * encodeDateTime({ year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 1234567 })
 * // '[DT:12/31/2013 23:59:59.1234567]'
 * encodeDateTime(new Date('2013-12-31T23:59:59.123Z')) // '[DT:12/31/2013 23:59:59.1230000]'
 */
export function encodeDateTime(d: WallClock | Date): string {
  return `[DT:${formatDateTime(toWallClock(d, 'encodeDateTime'))}]`
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
  return `[D:${formatDateTime({ ...w, hour: 0, minute: 0, second: 0, ticks: 0 })}]`
}

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

// ---------------------------------------------------------------------------------------------------------
// Generic parser
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
      const r = parseDateLike(body, tag === 'T')
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

// ---------------------------------------------------------------------------------------------------------
// Typed parsers
// ---------------------------------------------------------------------------------------------------------

/**
 * Reads an Integer value: `[I:n]`, a plain number (`42`, ` -7 `, `1e3`) or `[F:n]` when it is whole.
 * @throws ValueEncodingError if the value is not a whole number in the 32-bit range.
 * @example
 * parseIntegerValue('[I:42]')  // 42
 * parseIntegerValue('[F:3.0]') // 3
 * parseIntegerValue('abc')     // throws: Expected an Integer such as [I:42], got "abc"
 */
export function parseIntegerValue(s: string): number {
  const p = typedInput(s, EXPECT_INTEGER)
  let n: number
  switch (p.kind) {
    case 'integer':
      return p.value
    case 'double':
      n = p.value
      break
    case 'text': {
      const r = parsePlainNumber(p.value)
      if (r === null) throw new ValueEncodingError(EXPECT_INTEGER, s)
      n = r
      break
    }
    default:
      throw new ValueEncodingError(EXPECT_INTEGER, s, reasonFor(p))
  }
  if (!Number.isInteger(n)) throw new ValueEncodingError(EXPECT_INTEGER, s, 'not a whole number')
  if (n < INT32_MIN || n > INT32_MAX) throw new ValueEncodingError(EXPECT_INTEGER, s, INT32_RANGE_REASON)
  return n === 0 ? 0 : n
}

/**
 * Reads a Double value: `[F:x]`, `[M:x]`, `[I:n]` or a plain number (`12.5`, `-1E-05`; `.` is the decimal
 * separator). Plain numbers may not contain `,`, since `1,5` is ambiguous between locales; bracketed values
 * follow .NET `NumberStyles.Any` and may (`[F:1,234.5]`).
 * @throws ValueEncodingError if the value is not a finite number.
 * @example
 * parseDoubleValue('[F:12345.6789]') // 12345.6789
 * parseDoubleValue('1E-05')          // 0.00001
 */
export function parseDoubleValue(s: string): number {
  const p = typedInput(s, EXPECT_DOUBLE)
  switch (p.kind) {
    case 'integer':
      return p.value
    case 'double':
    case 'money':
      if (!Number.isFinite(p.value)) throw new ValueEncodingError(EXPECT_DOUBLE, s, 'not a finite number')
      return p.value
    case 'text': {
      const r = parsePlainNumber(p.value)
      if (r === null) throw new ValueEncodingError(EXPECT_DOUBLE, s)
      return r
    }
    default:
      throw new ValueEncodingError(EXPECT_DOUBLE, s, reasonFor(p))
  }
}

/**
 * Reads a Checkbox value: `[I:1]`/`[I:0]`, `1`/`0`, or `true`/`false` in any case (surrounding spaces allowed).
 * @throws ValueEncodingError for anything else, including `[I:2]`.
 * @example
 * parseCheckboxValue('[I:1]') // true
 * parseCheckboxValue('False') // false
 */
export function parseCheckboxValue(s: string): boolean {
  const p = typedInput(s, EXPECT_CHECKBOX)
  switch (p.kind) {
    case 'boolean':
      return p.value
    case 'integer':
      if (p.value === 0 || p.value === 1) return p.value === 1
      throw new ValueEncodingError(EXPECT_CHECKBOX, s, 'a Checkbox integer must be 0 or 1')
    case 'text': {
      const t = p.value.trim().toLowerCase()
      if (t === '1' || t === 'true') return true
      if (t === '0' || t === 'false') return false
      throw new ValueEncodingError(EXPECT_CHECKBOX, s)
    }
    default:
      throw new ValueEncodingError(EXPECT_CHECKBOX, s, reasonFor(p))
  }
}

/**
 * Reads a Datetime value as a {@link WallClock}: `[DT:]`, `[D:]`, `[T:]`, ISO (`2013-12-31T23:59:59.5Z`,
 * `2013-12-31`) and invariant `MM/dd/yyyy[ HH:mm[:ss[.f]]][ AM|PM]`. ISO offsets are converted to UTC.
 * @throws ValueEncodingError if no date can be read.
 * @example
 * parseDateTimeValue('[DT:12/31/2013 23:59:59.0000000]')
 * // { year: 2013, month: 12, day: 31, hour: 23, minute: 59, second: 59, ticks: 0 }
 * parseDateTimeValue('2013-12-31T23:59:59+01:00') // ...hour: 22...
 */
export function parseDateTimeValue(s: string): WallClock {
  const r = readDateTime(s)
  if (!r.ok) throw new ValueEncodingError(EXPECT_DATETIME, s, r.reason)
  return r.value
}

/**
 * Mirrors `CultureDataFormatter.ParseEncodedDate`: accepts what {@link parseDateTimeValue} accepts but returns
 * `null` instead of throwing (used e.g. for the GetActorsByTimestamp argument).
 * @example
 * parseEncodedDate('2013-05-13T13:50:48') // { year: 2013, month: 5, day: 13, hour: 13, minute: 50, second: 48, ticks: 0 }
 * parseEncodedDate('yesterday')           // null
 */
export function parseEncodedDate(s: string): WallClock | null {
  const r = readDateTime(s)
  return r.ok ? r.value : null
}

// ---------------------------------------------------------------------------------------------------------
// Field-type driven
// ---------------------------------------------------------------------------------------------------------

/**
 * Decodes a wire string according to the field's type. Text, Password, Label and List (a list item key) are
 * returned as-is; the others use the typed parsers above.
 * @throws ValueEncodingError when the value does not fit the type, or the type is unknown.
 * @example
 * decodeFieldValue('Integer', '[I:7]')  // 7
 * decodeFieldValue('Checkbox', '[I:0]') // false
 * decodeFieldValue('Text', '[I:7]')     // '[I:7]'
 */
export function decodeFieldValue(type: FieldType, s: string): FieldValue {
  switch (type) {
    case 'Text':
    case 'Password':
    case 'Label':
    case 'List':
      if (typeof s !== 'string') throw new ValueEncodingError(`a ${type} string`, s)
      return s
    case 'Checkbox':
      return parseCheckboxValue(s)
    case 'Integer':
      return parseIntegerValue(s)
    case 'Double':
      return parseDoubleValue(s)
    case 'Datetime':
      return parseDateTimeValue(s)
    default:
      throw new ValueEncodingError(`a field type (${FIELD_TYPES.join(', ')})`, type)
  }
}

/**
 * Encodes a JS value for a field of the given type in SuperOffice's canonical form. Strings for Text, Password,
 * Label and List are sent raw; there is no escaping, so a Text value that looks like `[I:1]` will be read by
 * SuperOffice as an encoded value.
 * @throws TypeError when the JS type does not fit the field type; RangeError from the encoders.
 * @example
 * encodeFieldValue('Checkbox', true)   // '[I:1]'
 * encodeFieldValue('Double', 0.5)      // '[F:0.5]'
 * encodeFieldValue('List', 'item1')    // 'item1'
 */
export function encodeFieldValue(type: FieldType, v: FieldValue | Date): string {
  switch (type) {
    case 'Text':
    case 'Password':
    case 'Label':
    case 'List':
      if (typeof v !== 'string') throw new TypeError(`encodeFieldValue: a ${type} field needs a string, got ${typeName(v)}`)
      return v
    case 'Checkbox':
      if (typeof v !== 'boolean') throw new TypeError(`encodeFieldValue: a Checkbox field needs a boolean, got ${typeName(v)}`)
      return encodeCheckbox(v)
    case 'Integer':
      if (typeof v !== 'number') throw new TypeError(`encodeFieldValue: an Integer field needs a number, got ${typeName(v)}`)
      return encodeInteger(v)
    case 'Double':
      if (typeof v !== 'number') throw new TypeError(`encodeFieldValue: a Double field needs a number, got ${typeName(v)}`)
      return encodeDouble(v)
    case 'Datetime':
      if (!(v instanceof Date) && !isWallClockShape(v)) {
        throw new TypeError(`encodeFieldValue: a Datetime field needs a WallClock or Date, got ${typeName(v)}`)
      }
      return encodeDateTime(v)
    default:
      throw new TypeError(`encodeFieldValue: unknown field type ${describeInput(type)}`)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string }

const INT32_RANGE_REASON = `outside the 32-bit integer range ${INT32_MIN}..${INT32_MAX}`

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value }
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason }
}

function splitEncoded(s: string): { tag: string; body: string } | null {
  if (s.length < 3 || !s.startsWith('[') || !s.endsWith(']')) return null
  const inner = s.slice(1, -1)
  const colon = inner.indexOf(':')
  if (colon < 0) return null
  return { tag: inner.slice(0, colon), body: inner.slice(colon + 1) }
}

function typedInput(s: unknown, expected: string): EncodedValue {
  if (typeof s !== 'string') throw new ValueEncodingError(expected, s)
  // Liberal input: stray white space around an encoded value should not turn it into text.
  return parseEncoded(s.trim())
}

const KIND_LABELS: Record<EncodedValue['kind'], string> = {
  integer: 'an encoded Integer',
  double: 'an encoded Double',
  money: 'an encoded money value',
  datetime: 'an encoded Datetime',
  date: 'an encoded Date',
  time: 'an encoded time',
  timespan: 'an encoded time span',
  intArray: 'an encoded integer array',
  binary: 'encoded binary data',
  boolean: 'a boolean',
  text: 'text',
  invalid: 'an invalid encoded value',
}

function reasonFor(p: EncodedValue): string {
  return p.kind === 'invalid' ? p.reason : `this is ${KIND_LABELS[p.kind]}`
}

function describeInput(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : typeof v === 'undefined' ? 'undefined' : typeName(v)
  const shown = v.length > 80 ? `${v.slice(0, 77)}...` : v
  return JSON.stringify(shown)
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Date) return 'a Date'
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

// .NET's IsWhite: space and \t..\r only (not Unicode spaces).
const DOTNET_WS_EDGES = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g

/** `int.TryParse(s, NumberStyles.Integer, Invariant)`: optional surrounding white space and sign, digits only. */
function parseDotNetInt32(text: string): Parsed<number> {
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
 */
function parseDotNetDouble(text: string): Parsed<number> {
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

/** A plain (unbracketed) number: JS-style decimal with optional exponent, no group separators. */
function parsePlainNumber(text: string): number | null {
  const t = text.trim()
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return null
  const v = Number(t)
  if (!Number.isFinite(v)) return null
  return v === 0 ? 0 : v
}

/** `Convert.FromBase64String`: white space ignored, length a multiple of 4, at most two `=` at the end. */
function parseBase64(text: string): Parsed<Uint8Array> {
  const t = text.replace(/[\t\n\r ]/g, '')
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return fail('not valid base64')
  return ok(new Uint8Array(Buffer.from(t, 'base64')))
}

/**
 * Shortest round-trip digits (JS and .NET Core both pick the shortest string that reads back to the same double)
 * laid out by .NET's "G" rules: scientific when the decimal exponent is below -5 or the integer part has more
 * than max(15, digit count) digits; exponent with sign and at least two digits.
 */
function formatDotNetDouble(n: number): string {
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

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

function formatDateTime(w: WallClock): string {
  return (
    `${pad(w.month, 2)}/${pad(w.day, 2)}/${pad(w.year, 4)} ` +
    `${pad(w.hour, 2)}:${pad(w.minute, 2)}:${pad(w.second, 2)}.${pad(w.ticks, 7)}`
  )
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
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

function isWallClockShape(v: unknown): v is WallClock {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && 'year' in v && 'ticks' in v
}

function toWallClock(d: WallClock | Date, fn: string): WallClock {
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

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm); avoids Date's
// two-digit-year quirks and works for years 1..9999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (month + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
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
  let days = daysFromCivil(w.year, w.month, w.day)
  let tod = ((w.hour * 60 + w.minute) * 60 + w.second) * TICKS_PER_SECOND + w.ticks + delta
  const carry = Math.floor(tod / TICKS_PER_DAY)
  days += carry
  tod -= carry * TICKS_PER_DAY
  const { year, month, day } = civilFromDays(days)
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

type DateAttempt = { ok: true; value: WallClock } | { ok: false; reason: string; recognised: boolean }

function buildWallClock(p: DateParts): DateAttempt {
  const bad = (reason: string): DateAttempt => ({ ok: false, reason, recognised: true })
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

/** One attempt at reading a date string (no `+` handling). A time without a date gets 0001-01-01. */
function parseDateText(text: string, allowTimeOnly: boolean): DateAttempt {
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

/** D/DT/T value rule: `+` means space; retry as-is so ISO offsets (`+01:00`) survive. */
function parseDateLike(value: string, allowTimeOnly: boolean): Parsed<WallClock> {
  const spaced = value.replace(/\+/g, ' ')
  const first = parseDateText(spaced, allowTimeOnly)
  if (first.ok) return first
  if (spaced !== value) {
    const second = parseDateText(value, allowTimeOnly)
    if (second.ok || second.recognised) return second
  }
  return first
}

function readDateTime(s: unknown): Parsed<WallClock> {
  if (typeof s !== 'string') return fail('not a string')
  const p = parseEncoded(s.trim())
  switch (p.kind) {
    case 'datetime':
    case 'date':
    case 'time':
      return ok(p.value)
    case 'invalid':
      return fail(p.reason)
    case 'text':
      return parseDateLike(p.value, false)
    default:
      return fail(reasonFor(p))
  }
}
