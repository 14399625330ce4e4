/** Transform for an `ArrayOf…` complex type (one unbounded element): an Array of its item type. */
import { indent, literal, nsConst, typeName, type ComplexTransform } from './emit.js'
import { memberType, nonNull, readMember, writeMember } from './member.js'
import { fail, type ComplexType, type Member } from './model.js'

function itemOf(t: ComplexType): Member {
  if (t.shape.kind !== 'array') fail(`${t.name} is not an array`)
  return t.shape.item
}

/** The path of the item being read, in read errors. */
const ITEM_PATH = '`${path}[${out.length}]`'

export const array: ComplexTransform = {
  type(model, t) {
    return [`export type ${typeName(t.name)} = Array<${memberType(model, itemOf(t))}>`]
  },

  reader(model, t) {
    const name = typeName(t.name)
    const item = itemOf(t)
    return [
      `export function read${name}(x: XmlCursor, path: string): T.${name} {`,
      `  const out: T.${name} = []`,
      `  while (x.enterChild()) {`,
      `    if (!x.at(${nsConst(model, item.ns)}, ${literal(item.name)})) x.skip()`,
      `    else out.push(${nonNull(item, readMember(model, item, ITEM_PATH), ITEM_PATH)})`,
      `  }`,
      `  return out`,
      `}`,
    ]
  },

  writer(model, markup, t) {
    const name = typeName(t.name)
    return [
      `export function write${name}(w: XmlWriter, v: T.${name}): void {`,
      `  for (const item of v) {`,
      ...indent(writeMember(model, markup, itemOf(t), 'item'), '    '),
      `  }`,
      `}`,
    ]
  },
}
