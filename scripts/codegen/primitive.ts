/** Transform for the XSD built-in types (xs:string, xs:boolean, xs:int): a member's type, reader and writer. */
import type { Primitive } from './model.js'

const TS_TYPES: Record<Primitive, string> = { string: 'string', boolean: 'boolean', int: 'number' }
const READERS: Record<Primitive, (path: string) => string> = {
  string: () => `rt.readString(x)`,
  boolean: (path) => `rt.readBoolean(x, ${path})`,
  int: (path) => `rt.readInt(x, ${path})`,
}
const WRITERS: Record<Primitive, string> = { string: 'writeString', boolean: 'writeBoolean', int: 'writeInt' }

/** The TypeScript type of an XSD built-in type. */
export function primitiveType(xsd: Primitive): string {
  return TS_TYPES[xsd]
}

/** Expression reading the element the cursor `x` stands on; `path` is an expression naming it in errors. */
export function readPrimitive(xsd: Primitive, path: string): string {
  return READERS[xsd](path)
}

/** Statement writing `value` as element `element` (a markup constant) to writer `w`. */
export function writePrimitive(xsd: Primitive, element: string, value: string): string {
  return `rt.${WRITERS[xsd]}(w, ${element}, ${value})`
}
