/**
 * How the encoding modules show a value they refuse, in the messages of their errors: short, quoted, never the
 * whole of a long input.
 */

/**
 * A string quoted and clipped to 80 characters; anything else by its kind.
 * @example
 * describeInput('abc') // '"abc"'
 * describeInput(42)    // 'a number'
 */
export function describeInput(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : typeof v === 'undefined' ? 'undefined' : typeName(v)
  const shown = v.length > 80 ? `${v.slice(0, 77)}...` : v
  return JSON.stringify(shown)
}

/**
 * The kind of a value, with its article, for "needs X, got Y" messages.
 * @example
 * typeName(new Date()) // 'a Date'
 */
export function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Date) return 'a Date'
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}
