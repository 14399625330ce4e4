/**
 * A member (an `xs:element` in a sequence) whatever its type: dispatches to the primitive and enum transforms, and
 * reads or writes a complex type through its own `read<Name>`/`write<Name>`.
 */
import { readEnum, writeEnum } from './enum.js'
import { literal, tag, typeName, type MarkupConstants } from './emit.js'
import { fail, key, type Member, type Model, type TypeRef } from './model.js'
import { primitiveType, readPrimitive, writePrimitive } from './primitive.js'

/** The TypeScript type of a type reference. */
export function tsTypeName(model: Model, ref: TypeRef): string {
  if (ref.kind === 'primitive') return primitiveType(ref.xsd)
  const k = key(ref.ns, ref.name)
  if (!model.complexTypes.has(k) && !model.enums.has(k)) fail(`type ${k} is not defined`)
  return typeName(ref.name)
}

/** The TypeScript type of member `m`'s value. */
export function memberType(model: Model, m: Member): string {
  return tsTypeName(model, m.type) + (m.nillable ? ' | null' : '')
}

/** Expression reading the element the cursor `x` stands on as member `m`; it reads through the end tag. */
export function readMember(model: Model, m: Member, path: string): string {
  if (m.type.kind === 'primitive') return readPrimitive(m.type.xsd, path)
  if (model.enums.has(key(m.type.ns, m.type.name))) return readEnum(m.type.name, path)
  return `x.nil ? rt.readNil(x) : read${typeName(m.type.name)}(x, ${path})`
}

/** `expr` (reading member `m`) refusing xsi:nil when `m` is not nillable. */
export function nonNull(m: Member, expr: string, pathExpr: string): string {
  // A member that is not nillable but arrives with xsi:nil is a client error, not a null.
  return m.nillable ? expr : `rt.notNil(${expr}, ${pathExpr})`
}

/** Statements writing member `m` whose value is `v` (an expression without side effects) to writer `w`. */
export function writeMember(model: Model, markup: MarkupConstants, m: Member, v: string): string[] {
  const name = tag(model, m.ns, m.name)
  const e = markup.element(name)
  let body: string[]
  if (m.type.kind === 'primitive') body = [writePrimitive(m.type.xsd, e, v)]
  else if (model.enums.has(key(m.type.ns, m.type.name))) body = [writeEnum(m.type.name, e, v)]
  else body = [`rt.writeElement(w, ${e}, ${v}, write${typeName(m.type.name)})`]
  if (m.nillable) return body
  // Not nillable: an absent optional member is left out; an absent required one is a bug in the caller.
  if (m.minOccurs === 0) return [`if (${v} !== undefined) {`, ...body.map((l) => '  ' + l), `}`]
  return [`if (${v} === undefined) rt.missing(${literal(name)})`, ...body]
}
