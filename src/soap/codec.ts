/**
 * The small primitives that generated readers and writers (generated/codecs.ts) are built from.
 * Readers are liberal (any part order, nil/absent/empty all accepted); writers are strict (every member, in order).
 */
import { escapeText, type XmlElement } from './xml.js'

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

export function readString(el: XmlElement): string | null {
  return el.nil ? null : el.text
}

export function readBoolean(el: XmlElement, path: string): boolean | null {
  if (el.nil) return null
  // xs:boolean allows surrounding whitespace and the forms 1/0 (XML Schema Part 2, 3.2.2).
  switch (el.text.trim()) {
    case 'true':
    case '1':
      return true
    case 'false':
    case '0':
      return false
    default:
      throw new SoapReadError(path, `expected true or false, got "${clip(el.text)}"`)
  }
}

export function readInt(el: XmlElement, path: string): number | null {
  if (el.nil) return null
  const text = el.text.trim()
  const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new SoapReadError(path, `expected a 32-bit integer, got "${clip(el.text)}"`)
  }
  return value
}

export function readEnum<T extends string>(el: XmlElement, allowed: readonly T[], path: string): T | null {
  if (el.nil) return null
  const text = el.text.trim()
  if (!(allowed as readonly string[]).includes(text)) {
    throw new SoapReadError(path, `expected one of ${allowed.join(', ')}, got "${clip(el.text)}"`)
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

/** `<tag>value</tag>`, `<tag/>` for an empty string, `<tag i:nil="true"/>` for null or undefined. */
export function writeString(tag: string, value: string | null | undefined): string {
  if (value == null) return `<${tag} i:nil="true"/>`
  return value === '' ? `<${tag}/>` : `<${tag}>${escapeText(value)}</${tag}>`
}

export function writeBoolean(tag: string, value: boolean | null | undefined): string {
  if (value == null) return `<${tag} i:nil="true"/>`
  return value ? `<${tag}>true</${tag}>` : `<${tag}>false</${tag}>`
}

export function writeInt(tag: string, value: number | null | undefined): string {
  if (value == null) return `<${tag} i:nil="true"/>`
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new RangeError(`<${tag}> must be a 32-bit integer, got ${value}`)
  }
  return `<${tag}>${value}</${tag}>`
}

export function writeEnum<T extends string>(tag: string, value: T | null | undefined, allowed: readonly T[]): string {
  if (value == null) return `<${tag} i:nil="true"/>`
  if (!allowed.includes(value)) throw new RangeError(`<${tag}> must be one of ${allowed.join(', ')}, got "${value}"`)
  return `<${tag}>${value}</${tag}>`
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
