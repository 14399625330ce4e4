/**
 * Advanced-search matching for the Excel connector (WSSearchActorsAdvanced, contract §10.3) and the plain
 * text search of WSSearchActors.
 *
 * {@link compileRestriction} turns one `SearchRestrictionInfoWS` into a predicate over stored cell values. Restriction
 * values are parsed once, when the restriction is compiled, so running the predicate over many rows is cheap.
 *
 * Decisions on points the contract leaves open:
 * - Operators are the exact strings of §10.3. A different letter case (`BEGINS`, `beforeorequal`) is accepted too,
 *   since it cannot mean anything else. Surrounding white space in the operator is ignored.
 * - Single-value operators use the first value and ignore any further values, as SuperOffice's own
 *   `ScalarValue` (= `Values[0]`) does. `between` needs exactly two values; `oneof`/`notoneof` need at least one.
 * - `between` is inclusive at both ends for every type. The two values are meant to come "in desired order"; when
 *   they come high-low the range between them is used all the same (the ends are swapped).
 * - Text, Password and Label compare case-insensitively with `toLowerCase()` (locale-independent, like .NET
 *   `ToLowerInvariant`); `between` then compares ordinally (UTF-16 code units, like .NET `string.CompareOrdinal`).
 *   Values are raw strings, never decoded: `[I:5]` in a Text restriction is the five characters `[I:5]`.
 *   Stored values are read through {@link storedAsText}, so an empty cell is `''` (`= ''` finds it, `isnot 'x'` and
 *   the `not…` operators match it) and a number cell such as an ID reads as `12`: `ParentErpKey = 12` works.
 * - Integer and Double restriction values go through `parseDoubleValue`, so `[I:5]`, `[F:2.5]`, `[F:2:12.5]`
 *   and plain `12.5` are all accepted for both types (`IntField > [F:2.5]` is a meaningful question). Comparison is
 *   exact on the double value. A stored number is used as is; a stored string is parsed the same way; an empty cell,
 *   or a cell that holds no number (text, boolean, date), never matches, except for `!=`, which it does match.
 * - Checkbox: only `=`. A stored boolean is used as is, a number counts as checked when it is not 0, a string when
 *   it reads as a checked Checkbox value (`[I:1]`, `1`, `true`); everything else, including an empty cell, is unchecked.
 * - List: only `oneof`/`notoneof` (the documented operators; `=`/`isnot` are rejected so that a client mistake shows).
 *   Values are list item keys compared exactly (case-sensitive) with the stored key read through
 *   {@link storedAsText} (a stored number 3 is the key `3`). An empty cell is the key `''`, so `notoneof` matches it.
 * - Datetime: compared at minute precision (seconds and fractions are dropped on both sides), which is
 *   SuperOffice's SearchHelper default `DateAndTime_IgnoreSeconds`. A `[D:…]` value is midnight of that day. A stored
 *   string is read as an encoded or ISO date; an empty cell or anything that is not a date never matches.
 */
import { invalidRequest, type ConnectorFailure } from '../../connector/errors.js'
import { parseCheckboxValue, parseDateTimeValue, parseDoubleValue, parseEncodedDate, ValueEncodingError, type FieldType } from '../../encoding/field-values.js'
import { daysSinceEpoch, formatIsoDateTime, type WallClock } from '../../encoding/wall-clock.js'

/** A stored cell value as the connector holds it: text, number, boolean, a wall-clock date-time, or empty. */
export type StoredValue = string | number | boolean | WallClock | null

/** A compiled restriction: does this stored value satisfy it? */
export type Predicate = (stored: StoredValue) => boolean

const TEXT_OPERATORS = ['=', 'begins', 'contains', 'ends', 'notbegins', 'notcontains', 'notends', 'isnot', 'between'] as const
const NUMBER_OPERATORS = ['=', '>', '<', '>=', '<=', '!=', 'between'] as const
const CHECKBOX_OPERATORS = ['='] as const
const LIST_OPERATORS = ['oneof', 'notoneof'] as const
const DATETIME_OPERATORS = ['=', 'before', 'after', 'beforeOrEqual', 'afterOrEqual', 'between'] as const

/** The operators each field type accepts, spelled as on the wire (contract §10.3). */
export const OPERATORS_BY_TYPE: Readonly<Record<FieldType, readonly string[]>> = {
  Text: TEXT_OPERATORS,
  Password: TEXT_OPERATORS,
  Label: TEXT_OPERATORS,
  Integer: NUMBER_OPERATORS,
  Double: NUMBER_OPERATORS,
  Checkbox: CHECKBOX_OPERATORS,
  List: LIST_OPERATORS,
  Datetime: DATETIME_OPERATORS,
}

/**
 * Compiles one restriction for a field of the given type.
 * @throws ConnectorFailure (INVALID_REQUEST) naming the field, the operator and what is allowed, when the operator
 * does not exist for the type, a value does not parse for the type, `between` does not have exactly two values,
 * or an operator gets no value.
 * @example
 * const match = compileRestriction({ key: 'IntField', type: 'Integer' }, 'between', ['[I:1]', '[I:10]'])
 * match(5)    // true
 * match(null) // false
 */
export function compileRestriction(field: { key: string; type: FieldType }, operator: string, values: string[]): Predicate {
  const allowed = OPERATORS_BY_TYPE[field.type] as readonly string[] | undefined
  if (allowed === undefined) {
    throw invalidRequest(
      `The field "${field.key}" has the type "${String(field.type)}", which cannot be searched. ` +
        `Searchable types: ${Object.keys(OPERATORS_BY_TYPE).join(', ')}.`,
    )
  }
  const op = canonicalOperator(allowed, operator)
  if (op === undefined) {
    throw invalidRequest(
      `The operator "${operator}" cannot be used on the ${field.type} field "${field.key}". ` +
        `Use one of: ${allowed.join(', ')}.`,
    )
  }
  const ctx: Ctx = { field, op, values: Array.isArray(values) ? values : [] }
  checkValueCount(ctx)
  switch (field.type) {
    case 'Text':
    case 'Password':
    case 'Label':
      return compileText(ctx)
    case 'Integer':
    case 'Double':
      return compileNumber(ctx)
    case 'Checkbox':
      return compileCheckbox(ctx)
    case 'List':
      return compileList(ctx)
    case 'Datetime':
      return compileDatetime(ctx)
  }
}

/**
 * Case-insensitive substring test used by WSSearchActors: does the stored value, shown as text, contain `text`?
 * Empty text matches everything, empty cells included.
 * @example
 * containsText('Kunden A/S', 'KUNDEN') // true
 * containsText(12.5, '2.5')            // true
 */
export function containsText(stored: StoredValue, text: string): boolean {
  if (text === '') return true
  return storedAsText(stored).toLowerCase().includes(text.toLowerCase())
}

/**
 * How a stored value reads as text, for {@link containsText}, the text operators and List keys: an empty cell is `''`,
 * a number its shortest invariant form (`12.5`, `-3`; `-0` is `0`; very large or small numbers use the JS exponent
 * form `1e+21`), a boolean `true`/`false`, a date-time `yyyy-MM-dd HH:mm:ss` (fractions of a second dropped).
 * @example
 * storedAsText({ year: 2013, month: 5, day: 13, hour: 13, minute: 50, second: 48, ticks: 0 }) // '2013-05-13 13:50:48'
 */
export function storedAsText(stored: StoredValue): string {
  if (stored === null || stored === undefined) return ''
  switch (typeof stored) {
    case 'string':
      return stored
    case 'number':
      return Object.is(stored, -0) ? '0' : String(stored)
    case 'boolean':
      return stored ? 'true' : 'false'
    default:
      return formatIsoDateTime(stored, ' ')
  }
}

// ---------------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------------

interface Ctx {
  field: { key: string; type: FieldType }
  /** The operator as spelled in §10.3. */
  op: string
  values: string[]
}

function canonicalOperator(allowed: readonly string[], operator: string): string | undefined {
  if (typeof operator !== 'string') return undefined
  if (allowed.includes(operator)) return operator
  const wanted = operator.trim().toLowerCase()
  return allowed.find((a) => a.toLowerCase() === wanted)
}

function describeRestriction(ctx: Ctx): string {
  return `The search on the ${ctx.field.type} field "${ctx.field.key}" with the operator "${ctx.op}"`
}

function checkValueCount(ctx: Ctx): void {
  const n = ctx.values.length
  if (ctx.op === 'between') {
    if (n !== 2) {
      throw invalidRequest(`${describeRestriction(ctx)} needs exactly two values (from and to), got ${n}.`)
    }
  } else if (n === 0) {
    const what = ctx.op === 'oneof' || ctx.op === 'notoneof' ? 'at least one list item key' : 'a value'
    throw invalidRequest(`${describeRestriction(ctx)} needs ${what}, got none.`)
  }
  for (const v of ctx.values) {
    if (typeof v !== 'string') throw invalidRequest(`${describeRestriction(ctx)} has a missing (nil) value.`)
  }
}

function badValue(ctx: Ctx, value: string, e: unknown): ConnectorFailure {
  const expected = e instanceof ValueEncodingError ? e.expected : `a ${ctx.field.type} value`
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value
  return invalidRequest(`${describeRestriction(ctx)} has the value ${JSON.stringify(shown)}, which is not ${expected}.`)
}

function parseAll<T>(ctx: Ctx, parse: (s: string) => T): T[] {
  return ctx.values.map((v) => {
    try {
      return parse(v)
    } catch (e) {
      throw badValue(ctx, v, e)
    }
  })
}

/** [low, high] of the two `between` values, whichever order they came in. */
function range<T>(a: T, b: T, less: (x: T, y: T) => boolean): [T, T] {
  return less(b, a) ? [b, a] : [a, b]
}

function first<T>(xs: T[]): T {
  // checkValueCount guarantees at least one value.
  return xs[0] as T
}

// Text ------------------------------------------------------------------------------------------------------

function compileText(ctx: Ctx): Predicate {
  const vs = ctx.values.map((v) => v.toLowerCase())
  const v = first(vs)
  const text = (s: StoredValue) => storedAsText(s).toLowerCase()
  switch (ctx.op) {
    case '=':
      return (s) => text(s) === v
    case 'isnot':
      return (s) => text(s) !== v
    case 'begins':
      return (s) => text(s).startsWith(v)
    case 'notbegins':
      return (s) => !text(s).startsWith(v)
    case 'contains':
      return (s) => text(s).includes(v)
    case 'notcontains':
      return (s) => !text(s).includes(v)
    case 'ends':
      return (s) => text(s).endsWith(v)
    case 'notends':
      return (s) => !text(s).endsWith(v)
    default: {
      // between
      const [lo, hi] = range(v, vs[1] as string, (x, y) => x < y)
      return (s) => {
        const t = text(s)
        return t >= lo && t <= hi
      }
    }
  }
}

// Integer and Double ----------------------------------------------------------------------------------------

/** The number a stored cell holds, or undefined for an empty or non-numeric cell. */
function storedNumber(s: StoredValue): number | undefined {
  if (typeof s === 'number') return Number.isNaN(s) ? undefined : s
  if (typeof s === 'string') {
    if (s.trim() === '') return undefined
    try {
      return parseDoubleValue(s)
    } catch {
      return undefined
    }
  }
  return undefined
}

function compileNumber(ctx: Ctx): Predicate {
  const ns = parseAll(ctx, parseDoubleValue)
  const v = first(ns)
  const when = (test: (n: number) => boolean): Predicate => (s) => {
    const n = storedNumber(s)
    return n !== undefined && test(n)
  }
  switch (ctx.op) {
    case '=':
      return when((n) => n === v)
    case '>':
      return when((n) => n > v)
    case '<':
      return when((n) => n < v)
    case '>=':
      return when((n) => n >= v)
    case '<=':
      return when((n) => n <= v)
    case '!=':
      return (s) => storedNumber(s) !== v
    default: {
      const [lo, hi] = range(v, ns[1] as number, (x, y) => x < y)
      return when((n) => n >= lo && n <= hi)
    }
  }
}

// Checkbox --------------------------------------------------------------------------------------------------

function storedChecked(s: StoredValue): boolean {
  if (typeof s === 'boolean') return s
  if (typeof s === 'number') return s !== 0 && !Number.isNaN(s)
  if (typeof s === 'string') {
    try {
      return parseCheckboxValue(s)
    } catch {
      return false
    }
  }
  return false
}

function compileCheckbox(ctx: Ctx): Predicate {
  const want = first(parseAll(ctx, parseCheckboxValue))
  return (s) => storedChecked(s) === want
}

// List ------------------------------------------------------------------------------------------------------

function compileList(ctx: Ctx): Predicate {
  const keys = new Set(ctx.values)
  if (ctx.op === 'oneof') return (s) => keys.has(storedAsText(s))
  return (s) => !keys.has(storedAsText(s))
}

// Datetime --------------------------------------------------------------------------------------------------

/** A minute number that orders like the wall clock; seconds and fractions are dropped (DateAndTime_IgnoreSeconds). */
function minuteOf(w: WallClock): number {
  return daysSinceEpoch(w.year, w.month, w.day) * 1440 + w.hour * 60 + w.minute
}

function storedMinute(s: StoredValue): number | undefined {
  if (s === null || s === undefined) return undefined
  if (typeof s === 'object') return minuteOf(s)
  if (typeof s === 'string') {
    if (s.trim() === '') return undefined
    const w = parseEncodedDate(s)
    return w === null ? undefined : minuteOf(w)
  }
  return undefined
}

function compileDatetime(ctx: Ctx): Predicate {
  const ms = parseAll(ctx, parseDateTimeValue).map(minuteOf)
  const v = first(ms)
  const when = (test: (m: number) => boolean): Predicate => (s) => {
    const m = storedMinute(s)
    return m !== undefined && test(m)
  }
  switch (ctx.op) {
    case '=':
      return when((m) => m === v)
    case 'before':
      return when((m) => m < v)
    case 'after':
      return when((m) => m > v)
    case 'beforeOrEqual':
      return when((m) => m <= v)
    case 'afterOrEqual':
      return when((m) => m >= v)
    default: {
      const [lo, hi] = range(v, ms[1] as number, (x, y) => x < y)
      return when((m) => m >= lo && m <= hi)
    }
  }
}
