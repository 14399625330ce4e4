/**
 * Transform for a data-contract dictionary (`IsDictionary`, entries of string Key and Value): a Map, which keeps
 * insertion order for every key, where a plain object would move integer-like keys (list item ids) first.
 */
import { literal, nsConst, tag, typeName, type ComplexTransform } from './emit.js'
import { memberType, tsTypeName } from './member.js'
import { fail, type ComplexType } from './model.js'

function dictionaryOf(t: ComplexType) {
  if (t.shape.kind !== 'dictionary') fail(`${t.name} is not a dictionary`)
  return t.shape
}

export const dictionary: ComplexTransform = {
  type(model, t) {
    const shape = dictionaryOf(t)
    return [`export type ${typeName(t.name)} = Map<${tsTypeName(model, shape.key.type)}, ${memberType(model, shape.value)}>`]
  },

  reader(model, t) {
    const name = typeName(t.name)
    const shape = dictionaryOf(t)
    return [
      `export function read${name}(x: XmlCursor, path: string): T.${name} {`,
      `  const out: T.${name} = new Map()`,
      `  while (x.enterChild()) {`,
      `    if (!x.at(${nsConst(model, shape.entry.ns)}, ${literal(shape.entry.name)})) {`,
      `      x.skip()`,
      `      continue`,
      `    }`,
      `    let k: string | null | undefined`,
      `    let v: string | null | undefined`,
      `    while (x.enterChild()) {`,
      `      if (x.at(${nsConst(model, shape.key.ns)}, 'Key')) k = rt.readString(x)`,
      `      else if (x.at(${nsConst(model, shape.value.ns)}, 'Value')) v = rt.readString(x)`,
      `      else x.skip()`,
      `    }`,
      `    if (k == null) throw new rt.SoapReadError(\`\${path}[\${out.size}]\`, 'an entry has no Key')`,
      `    if (out.has(k)) throw new rt.SoapReadError(path, \`the key "\${k}" appears twice\`)`,
      `    out.set(k, v ?? null)`,
      `  }`,
      `  return out`,
      `}`,
    ]
  },

  writer(model, markup, t) {
    const name = typeName(t.name)
    const shape = dictionaryOf(t)
    const entry = markup.entry(tag(model, shape.entry.ns, shape.entry.name), tag(model, shape.key.ns, 'Key'), tag(model, shape.value.ns, 'Value'))
    // forEach rather than for-of: it hands over key and value without an entry array per pair.
    return [`export function write${name}(w: XmlWriter, v: T.${name}): void {`, `  v.forEach((value, k) => rt.writeStringEntry(w, ${entry}, k, value))`, `}`]
  },
}
