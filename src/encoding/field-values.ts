/**
 * Field values by field type (contract §9.2): every field value, search-restriction value, default value and
 * ConnectionInfo value on the wire is a string, read and written here according to the field's
 * `FieldMetadataTypeInfoWS`. Readers are liberal: besides the encoded forms (`encoded-tags.ts`) they take plain
 * numbers and ISO dates (the contract's recommendation); writers emit SuperOffice's canonical forms.
 */
import { describeInput, typeName } from './describe.js'
import { INT32_MAX, INT32_MIN, INT32_RANGE_REASON, parsePlainNumber, type Parsed } from './dotnet-number.js'
import { encodeCheckbox, encodeDateTime, encodeDouble, encodeInteger, parseDatePayload, parseEncoded, type EncodedValue } from './encoded-tags.js'
import { isWallClockShape, type WallClock } from './wall-clock.js'

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

const EXPECT_INTEGER = 'an Integer such as [I:42]'
const EXPECT_DOUBLE = 'a Double such as [F:12.5] or 12.5'
const EXPECT_CHECKBOX = 'a Checkbox value such as [I:1], [I:0], 1, 0, true or false'
const EXPECT_DATETIME = 'a Datetime such as [DT:12/31/2013 23:59:59.0000000] or 2013-12-31T23:59:59'

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

function readDateTime(s: unknown): Parsed<WallClock> {
  if (typeof s !== 'string') return { ok: false, reason: 'not a string' }
  const p = parseEncoded(s.trim())
  switch (p.kind) {
    case 'datetime':
    case 'date':
    case 'time':
      return { ok: true, value: p.value }
    case 'invalid':
      return { ok: false, reason: p.reason }
    case 'text':
      return parseDatePayload(p.value, false)
    default:
      return { ok: false, reason: reasonFor(p) }
  }
}
