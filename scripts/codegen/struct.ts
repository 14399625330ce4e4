/**
 * Transform for a complex type with a sequence of members (a data contract, or an operation wrapper): an
 * interface, a reader that takes the members in any order, and a writer that writes them in schema order.
 */
import { access, indent, literal, memberDoc, nsConst, propertyKey, templateText, typeName, type ComplexTransform } from './emit.js'
import { memberType, nonNull, readMember, writeMember } from './member.js'
import { fail, type ComplexType, type Member } from './model.js'

function membersOf(t: ComplexType): Member[] {
  if (t.shape.kind !== 'struct') fail(`${t.name} is not a struct`)
  return t.shape.members
}

/** The path of member `m` in read errors: a template literal after the owner's `path`. */
const memberPath = (m: Member) => `\`\${path}/${templateText(m.name)}\``

export const struct: ComplexTransform = {
  type(model, t) {
    const name = typeName(t.name)
    const members = membersOf(t)
    if (members.length === 0) return [`export type ${name} = Record<string, never>`]
    return [
      `export interface ${name} {`,
      ...members.flatMap((m) => [...memberDoc(m.documentation, '  '), `  ${propertyKey(m.name)}${m.minOccurs === 0 ? '?' : ''}: ${memberType(model, m)}`]),
      '}',
    ]
  },

  reader(model, t) {
    const name = typeName(t.name)
    const members = membersOf(t)
    // With a required member, `{}` is not yet a T.X: it is built as a Partial, and is one once every required
    // member was checked present.
    const required = members.filter((m) => m.minOccurs > 0)
    const lines = [`export function read${name}(x: XmlCursor, path: string): T.${name} {`, `  const out: ${required.length > 0 ? `Partial<T.${name}>` : `T.${name}`} = {}`]
    if (members.length === 0) lines.push(`  x.skip()`)
    else {
      lines.push(`  while (x.enterChild()) {`, `    if (x.ns !== ${nsConst(model, t.ns)}) {`, `      x.skip()`, `      continue`, `    }`, `    switch (x.name) {`)
      for (const m of members) {
        const path = memberPath(m)
        lines.push(`      case ${literal(m.name)}:`, `        ${access('out', m.name)} = ${nonNull(m, readMember(model, m, path), path)}`, `        break`)
      }
      lines.push(`      default:`, `        x.skip()`, `    }`, `  }`)
      for (const m of required) lines.push(`  rt.required(${access('out', m.name)}, ${memberPath(m)})`)
    }
    lines.push(required.length > 0 ? `  return out as T.${name}` : `  return out`, `}`)
    return lines
  },

  writer(model, markup, t) {
    const name = typeName(t.name)
    const members = membersOf(t)
    if (members.length === 0) return [`export function write${name}(_w: XmlWriter, _v: T.${name}): void {}`]
    return [
      `export function write${name}(w: XmlWriter, v: T.${name}): void {`,
      ...members.flatMap((m) => indent(writeMember(model, markup, m, access('v', m.name)))),
      `}`,
    ]
  },
}
