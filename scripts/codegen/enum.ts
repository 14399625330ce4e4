/** Transform for `xs:simpleType` enumerations: a union of string literals and the list of its values. */
import { docBlock, commentText, literal, typeName } from './emit.js'
import type { EnumType } from './model.js'

/** The enumeration's declarations in types.ts. */
export function emitEnumType(e: EnumType): string[] {
  const name = typeName(e.name)
  const values = e.values.map(literal)
  return [
    ...docBlock(`XSD simple type \`${commentText(e.name)}\` (${commentText(e.ns)}).`, e.documentation),
    `export type ${name} = ${values.join(' | ')}`,
    `export const ${valuesName(e.name)}: readonly ${name}[] = [${values.join(', ')}]`,
  ]
}

/** The types.ts constant listing the values of enumeration `name`. */
export function valuesName(name: string): string {
  return `${typeName(name)}Values`
}

/** Expression reading the element the cursor `x` stands on as a value of enumeration `name`. */
export function readEnum(name: string, path: string): string {
  return `rt.readEnum(x, T.${valuesName(name)}, ${path})`
}

/** Statement writing `value`, a value of enumeration `name`, as element `element`; another value is refused. */
export function writeEnum(name: string, element: string, value: string): string {
  return `rt.writeEnum(w, ${element}, ${value}, T.${valuesName(name)})`
}
