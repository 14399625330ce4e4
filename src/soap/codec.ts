/**
 * The small primitives that generated readers and writers (generated/codecs.ts) are built from.
 * Readers are liberal (any part order, nil/absent/empty all accepted); writers are strict (every member, in order).
 */
import { element, markup, type ElementBytes, type XmlWriter } from './writer.js'

export { element } from './writer.js'
import type { XmlCursor } from './xml.js'

/** A request value that does not fit its schema type; `path` names the element, e.g. `GetActorsRequest/ErpKeys`. */
export class SoapReadError extends Error {
  override readonly name = 'SoapReadError'
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`)
  }
}

// Each reader takes the cursor standing on the element and reads through its end tag.

export function readString(x: XmlCursor): string | null {
  return x.nil ? readNil(x) : x.text()
}

/** An element with xsi:nil: whatever it holds is passed over. */
export function readNil(x: XmlCursor): null {
  x.skip()
  return null
}

export function readBoolean(x: XmlCursor, path: string): boolean | null {
  if (x.nil) return readNil(x)
  const text = x.text()
  // xs:boolean allows surrounding whitespace and the forms 1/0 (XML Schema Part 2, 3.2.2).
  switch (text.trim()) {
    case 'true':
    case '1':
      return true
    case 'false':
    case '0':
      return false
    default:
      throw new SoapReadError(path, `expected true or false, got "${clip(text)}"`)
  }
}

export function readInt(x: XmlCursor, path: string): number | null {
  if (x.nil) return readNil(x)
  const raw = x.text()
  const text = raw.trim()
  const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new SoapReadError(path, `expected a 32-bit integer, got "${clip(raw)}"`)
  }
  return value
}

export function readEnum<T extends string>(x: XmlCursor, allowed: readonly T[], path: string): T | null {
  if (x.nil) return readNil(x)
  const raw = x.text()
  const text = raw.trim()
  if (!(allowed as readonly string[]).includes(text)) {
    throw new SoapReadError(path, `expected one of ${allowed.join(', ')}, got "${clip(raw)}"`)
  }
  return text as T
}

/** Fails when a required member is absent. */
export function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw new SoapReadError(path, 'is required but missing')
  return value
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const TRUE = markup('true')
const FALSE = markup('false')

/** `<tag>value</tag>`, `<tag/>` for an empty string, `<tag i:nil="true"/>` for null or undefined. */
export function writeString(w: XmlWriter, tag: ElementBytes, value: string | null | undefined): void {
  if (value == null) w.raw(tag.nil)
  else if (value === '') w.raw(tag.empty)
  else {
    w.raw(tag.open)
    w.text(value)
    w.raw(tag.close)
  }
}

export function writeBoolean(w: XmlWriter, tag: ElementBytes, value: boolean | null | undefined): void {
  if (value == null) return w.raw(tag.nil)
  w.raw(tag.open)
  w.raw(value ? TRUE : FALSE)
  w.raw(tag.close)
}

export function writeInt(w: XmlWriter, tag: ElementBytes, value: number | null | undefined): void {
  if (value == null) return w.raw(tag.nil)
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new RangeError(`<${nameOf(tag)}> must be a 32-bit integer, got ${value}`)
  }
  w.raw(tag.open)
  w.text(String(value))
  w.raw(tag.close)
}

export function writeEnum<T extends string>(w: XmlWriter, tag: ElementBytes, value: T | null | undefined, allowed: readonly T[]): void {
  if (value == null) return w.raw(tag.nil)
  if (!allowed.includes(value)) throw new RangeError(`<${nameOf(tag)}> must be one of ${allowed.join(', ')}, got "${value}"`)
  w.raw(tag.open)
  w.text(value)
  w.raw(tag.close)
}

/** A dictionary entry's markup, `<entry><Key>k</Key><Value>v</Value></entry>`, with the joins encoded once. */
export interface EntryBytes {
  readonly entry: ElementBytes
  readonly key: ElementBytes
  readonly value: ElementBytes
  /** `<entry><Key>` */
  readonly start: Uint8Array
  /** `</Key><Value>` */
  readonly middle: Uint8Array
  /** `</Value></entry>` */
  readonly end: Uint8Array
}

export function entry(entryName: string, keyName: string, valueName: string): EntryBytes {
  return {
    entry: element(entryName),
    key: element(keyName),
    value: element(valueName),
    start: markup(`<${entryName}><${keyName}>`),
    middle: markup(`</${keyName}><${valueName}>`),
    end: markup(`</${valueName}></${entryName}>`),
  }
}

/** Dictionaries are most of a large message: the common entry (key and value not empty) takes three copies of markup. */
export function writeStringEntry(w: XmlWriter, e: EntryBytes, key: string | null, value: string | null | undefined): void {
  if (key && value) {
    w.raw(e.start)
    w.text(key)
    w.raw(e.middle)
    w.text(value)
    w.raw(e.end)
    return
  }
  w.raw(e.entry.open)
  writeString(w, e.key, key)
  writeString(w, e.value, value)
  w.raw(e.entry.close)
}

/** A member of a complex type: `<tag i:nil="true"/>` for null or undefined, else `<tag>`, its members, `</tag>`. */
export function writeElement<T>(w: XmlWriter, tag: ElementBytes, value: T | null | undefined, write: (w: XmlWriter, value: T) => void): void {
  if (value == null) return w.raw(tag.nil)
  w.raw(tag.open)
  write(w, value)
  w.raw(tag.close)
}

/** An operation wrapper: its start tag declares every namespace the members use. */
export function writeRoot<T>(w: XmlWriter, root: ElementBytes, value: T, write: (w: XmlWriter, value: T) => void): void {
  w.raw(root.open)
  write(w, value)
  w.raw(root.close)
}

/** The element name, for messages: only errors need it as text. */
function nameOf(tag: ElementBytes): string {
  return new TextDecoder().decode(tag.close).slice(2, -1)
}

/** A required member is absent from a value being written: a bug in the code that built the value. */
export function missing(tag: string): never {
  throw new TypeError(`<${tag}> is required but the value has none`)
}

/** Fails when a member that is not nillable arrives with xsi:nil. */
export function notNil<T>(value: T | null, path: string): T {
  if (value === null) throw new SoapReadError(path, 'must have a value (xsi:nil is not allowed here)')
  return value
}
