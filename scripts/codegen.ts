/**
 * `npm run codegen`: turns wsdl/ErpConnectorWS.wsdl into generated/ (types, readers/writers, operation table).
 * The generator is not tied to that WSDL: `generate(path)` works for any document/literal SOAP 1.1 WSDL whose
 * schema uses the constructs below (see test/fixtures/codegen for a second one).
 *
 * wsdl-tsclient parses the WSDL into ports, methods and definitions; its model decides which operations exist and
 * which wrapper elements they use. It drops what the wire needs (XSD type names, minOccurs, nillable, enumerations,
 * dictionaries, namespaces), so those facts are read from the embedded schemas here, and the two views are
 * checked against each other: codegen fails if they disagree on any operation or on any part's name or order.
 * Output is deterministic: the same WSDL always gives byte-identical files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseWsdl } from 'wsdl-tsclient'
import { readXml, type XmlElement } from '../src/soap/xml.js'
import { emitContract } from './codegen/contract.js'

const XS = 'http://www.w3.org/2001/XMLSchema'
const WSDL = 'http://schemas.xmlsoap.org/wsdl/'
const WSDL_SOAP = 'http://schemas.xmlsoap.org/wsdl/soap/'
const SER = 'http://schemas.microsoft.com/2003/10/Serialization/'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_WSDL = 'wsdl/ErpConnectorWS.wsdl'
const outDir = path.join(root, 'generated')

export interface QName {
  ns: string
  name: string
}
export type Primitive = 'string' | 'boolean' | 'int'
export type TypeRef = { kind: 'primitive'; xsd: Primitive } | { kind: 'named'; ns: string; name: string }
export interface Member {
  name: string
  ns: string
  type: TypeRef
  minOccurs: number
  unbounded: boolean
  nillable: boolean
}
export type Shape =
  | { kind: 'struct'; members: Member[] }
  | { kind: 'array'; item: Member }
  | { kind: 'dictionary'; entry: QName; key: Member; value: Member }
export interface ComplexType {
  ns: string
  name: string
  shape: Shape
}
export interface EnumType {
  ns: string
  name: string
  values: string[]
}
export interface Operation {
  name: string
  soapAction: string
  request: string
  response: string
}

const fail = (message: string): never => {
  throw new Error(`codegen: ${message}`)
}

function childrenOf(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.name === name)
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes.get(name)
}

/** Resolves a QName-valued attribute (`type="tns:X"`) against the namespace declarations in scope. */
function resolveQName(value: string, scope: Map<string, string>): QName {
  const colon = value.indexOf(':')
  const prefix = colon < 0 ? '' : value.slice(0, colon)
  const ns = scope.get(prefix) ?? fail(`prefix "${prefix}" in "${value}" is not declared`)
  return { ns, name: colon < 0 ? value : value.slice(colon + 1) }
}

/**
 * The element tree from xml.ts drops xmlns attributes once resolved, so QName-valued attributes are resolved
 * with the declarations read from the raw text of the opening tags of the WSDL and each schema.
 */
function namespaceDeclarations(openingTag: string): Map<string, string> {
  const scope = new Map<string, string>()
  for (const m of openingTag.matchAll(/xmlns(?::([\w.-]+))?="([^"]*)"/g)) scope.set(m[1] ?? '', m[2]!)
  return scope
}

function readSchemas(wsdlText: string, definitions: XmlElement) {
  const rootScope = namespaceDeclarations(/<wsdl:definitions[^>]*>/.exec(wsdlText)?.[0] ?? '')
  const schemaTags = [...wsdlText.matchAll(/<xs:schema[^>]*>/g)].map((m) => m[0])
  const types = childrenOf(definitions, WSDL, 'types')[0] ?? fail('no wsdl:types')
  const schemas = childrenOf(types, XS, 'schema')
  if (schemas.length !== schemaTags.length) fail('could not match schema opening tags')
  const complexTypes = new Map<string, ComplexType>()
  const enums = new Map<string, EnumType>()
  const wrappers = new Map<string, ComplexType>()
  schemas.forEach((schema, index) => {
    const scope = new Map([...rootScope, ...namespaceDeclarations(schemaTags[index]!)])
    const ns = attr(schema, 'targetNamespace') ?? fail('schema without targetNamespace')
    if (attr(schema, 'elementFormDefault') !== 'qualified') fail(`schema ${ns} must use elementFormDefault="qualified"`)
    const readMembers = (complex: XmlElement, owner: string): Member[] => {
      const sequence = childrenOf(complex, XS, 'sequence')[0]
      if (!sequence) return []
      return childrenOf(sequence, XS, 'element').map((el) => {
        const name = attr(el, 'name') ?? fail(`unnamed element in ${owner}`)
        const typeName = attr(el, 'type')
        let type: TypeRef
        if (typeName) {
          const q = resolveQName(typeName, scope)
          if (q.ns === XS) {
            if (q.name !== 'string' && q.name !== 'boolean' && q.name !== 'int') fail(`unsupported xs:${q.name} in ${owner}`)
            type = { kind: 'primitive', xsd: q.name as Primitive }
          } else type = { kind: 'named', ...q }
        } else {
          // An anonymous complex type (the dictionary entry): give it a name derived from its element.
          const anonymous = childrenOf(el, XS, 'complexType')[0] ?? fail(`element ${owner}/${name} has no type`)
          complexTypes.set(key(ns, name), { ns, name, shape: { kind: 'struct', members: readMembers(anonymous, name) } })
          type = { kind: 'named', ns, name }
        }
        const max = attr(el, 'maxOccurs') ?? '1'
        return {
          name,
          ns,
          type,
          minOccurs: Number(attr(el, 'minOccurs') ?? '1'),
          unbounded: max === 'unbounded',
          nillable: attr(el, 'nillable') === 'true',
        }
      })
    }
    for (const complex of childrenOf(schema, XS, 'complexType')) {
      const name = attr(complex, 'name') ?? fail('unnamed top-level complexType')
      const members = readMembers(complex, name)
      const isDictionary = complex.children.some((a) =>
        a.children.some((info) => info.children.some((c) => c.ns === SER && c.name === 'IsDictionary' && c.text.trim() === 'true')),
      )
      let shape: Shape
      if (isDictionary) {
        const entry = members[0] ?? fail(`dictionary ${name} has no entry element`)
        const entryType = entry.type.kind === 'named' ? complexTypes.get(key(entry.type.ns, entry.type.name)) : undefined
        const entryMembers = entryType?.shape.kind === 'struct' ? entryType.shape.members : []
        const [k, v] = entryMembers
        if (!k || !v || k.name !== 'Key' || v.name !== 'Value') fail(`dictionary ${name} entries must be Key then Value`)
        const isString = (m: Member) => m.type.kind === 'primitive' && m.type.xsd === 'string'
        if (!isString(k!) || !isString(v!)) fail(`dictionary ${name}: only string keys and values are supported`)
        complexTypes.delete(key(entry.ns, entry.name))
        shape = { kind: 'dictionary', entry: { ns: entry.ns, name: entry.name }, key: k!, value: v! }
      } else if (members.length === 1 && members[0]!.unbounded) {
        shape = { kind: 'array', item: members[0]! }
      } else {
        if (members.some((m) => m.unbounded)) fail(`${name}: repeated members are only supported as ArrayOf types`)
        shape = { kind: 'struct', members }
      }
      complexTypes.set(key(ns, name), { ns, name, shape })
    }
    for (const simple of childrenOf(schema, XS, 'simpleType')) {
      const name = attr(simple, 'name') ?? fail('unnamed simpleType')
      const restriction = childrenOf(simple, XS, 'restriction')[0] ?? fail(`simpleType ${name} without restriction`)
      const values = childrenOf(restriction, XS, 'enumeration').map((e) => attr(e, 'value') ?? fail(`${name}: enumeration without value`))
      if (values.length === 0) fail(`simpleType ${name} is not an enumeration`)
      enums.set(key(ns, name), { ns, name, values })
    }
    for (const element of childrenOf(schema, XS, 'element')) {
      const anonymous = childrenOf(element, XS, 'complexType')[0]
      if (!anonymous) continue
      const name = attr(element, 'name')!
      wrappers.set(name, { ns, name, shape: { kind: 'struct', members: readMembers(anonymous, name) } })
    }
  })
  return { complexTypes, enums, wrappers }
}

function key(ns: string, name: string): string {
  return `{${ns}}${name}`
}

function readOperations(wsdlText: string, definitions: XmlElement, targetNs: string): Operation[] {
  const scope = namespaceDeclarations(/<wsdl:definitions[^>]*>/.exec(wsdlText)?.[0] ?? '')
  const messages = new Map<string, string>()
  for (const message of childrenOf(definitions, WSDL, 'message')) {
    const parts = childrenOf(message, WSDL, 'part')
    if (parts.length !== 1) fail(`message ${attr(message, 'name')} must have exactly one part (document/literal wrapped)`)
    const element = resolveQName(attr(parts[0]!, 'element') ?? fail('part without element'), scope)
    if (element.ns !== targetNs) fail(`message ${attr(message, 'name')} uses an element outside ${targetNs}`)
    messages.set(attr(message, 'name')!, element.name)
  }
  const portType = childrenOf(definitions, WSDL, 'portType')[0] ?? fail('no portType')
  const actions = new Map<string, string>()
  const binding = childrenOf(definitions, WSDL, 'binding')[0] ?? fail('no binding')
  for (const op of childrenOf(binding, WSDL, 'operation')) {
    const soapOperation = childrenOf(op, WSDL_SOAP, 'operation')[0] ?? fail(`binding operation ${attr(op, 'name')} is not SOAP 1.1`)
    actions.set(attr(op, 'name')!, attr(soapOperation, 'soapAction') ?? fail(`no soapAction for ${attr(op, 'name')}`))
  }
  return childrenOf(portType, WSDL, 'operation').map((op) => {
    const name = attr(op, 'name')!
    const message = (tag: string) => {
      const io = childrenOf(op, WSDL, tag)[0] ?? fail(`${name} has no ${tag}`)
      return messages.get(resolveQName(attr(io, 'message')!, scope).name) ?? fail(`${name}: unknown ${tag} message`)
    }
    return { name, soapAction: actions.get(name) ?? fail(`${name} is not bound`), request: message('input'), response: message('output') }
  })
}

/** Checks the schema-derived model against wsdl-tsclient's parse of the same WSDL. */
async function crossCheck(wsdlRelative: string, operations: Operation[], wrappers: Map<string, ComplexType>): Promise<void> {
  const parsed = await parseWsdl(path.join(root, wsdlRelative), { caseInsensitiveNames: false })
  const methods = parsed.services.flatMap((s) => s.ports.flatMap((p) => p.methods))
  const names = methods.map((m) => m.name).sort()
  const ours = operations.map((o) => o.name).sort()
  if (names.join() !== ours.join()) fail(`wsdl-tsclient sees operations [${names}] but the binding has [${ours}]`)
  for (const method of methods) {
    const op = operations.find((o) => o.name === method.name)!
    for (const [definition, element] of [
      [method.paramDefinition, op.request],
      [method.returnDefinition, op.response],
    ] as const) {
      if (definition?.sourceName !== element) fail(`${op.name}: wsdl-tsclient wrapper ${definition?.sourceName} != ${element}`)
      const wrapper = wrappers.get(element)!
      const members = wrapper.shape.kind === 'struct' ? wrapper.shape.members.map((m) => m.name) : []
      const theirs = definition!.properties.map((p) => p.sourceName)
      if (theirs.join() !== members.join()) fail(`${element}: parts [${theirs}] (wsdl-tsclient) != [${members}] (schema)`)
    }
  }
}

export interface Model {
  wsdlRelative: string
  /** The wsdl:service name: names the operation table and its types. */
  service: string
  targetNs: string
  complexTypes: Map<string, ComplexType>
  enums: Map<string, EnumType>
  wrappers: Map<string, ComplexType>
  operations: Operation[]
  prefixes: Map<string, string>
}

function tsTypeName(model: Model, ref: TypeRef): string {
  if (ref.kind === 'primitive') return ref.xsd === 'int' ? 'number' : ref.xsd
  const k = key(ref.ns, ref.name)
  if (!model.complexTypes.has(k) && !model.enums.has(k)) fail(`type ${k} is not defined`)
  return ref.name
}

function memberType(model: Model, m: Member): string {
  return tsTypeName(model, m.type) + (m.nillable ? ' | null' : '')
}

function emitTypes(model: Model): string {
  const out: string[] = [header(model), '']
  for (const e of sorted(model.enums)) {
    out.push(`/** XSD simple type \`${e.name}\` (${e.ns}). */`)
    out.push(`export type ${e.name} = ${e.values.map((v) => `'${v}'`).join(' | ')}`)
    out.push(`export const ${e.name}Values: readonly ${e.name}[] = [${e.values.map((v) => `'${v}'`).join(', ')}]`, '')
  }
  for (const t of sorted(model.complexTypes)) {
    out.push(`/** XSD complex type \`${t.name}\` (${t.ns}). */`)
    out.push(...emitShape(model, t))
    out.push('')
  }
  for (const t of sortedByName(model.wrappers)) {
    out.push(`/** Message wrapper element \`${t.name}\` (${t.ns}). */`)
    out.push(...emitShape(model, t))
    out.push('')
  }
  return out.join('\n')
}

function emitShape(model: Model, t: ComplexType): string[] {
  const shape = t.shape
  if (shape.kind === 'array') return [`export type ${t.name} = Array<${memberType(model, shape.item)}>`]
  if (shape.kind === 'dictionary') {
    // A Map keeps insertion order for every key; a plain object would move integer-like keys (list item ids) first.
    return [`export type ${t.name} = Map<${tsTypeName(model, shape.key.type)}, ${memberType(model, shape.value)}>`]
  }
  if (shape.members.length === 0) return [`export type ${t.name} = Record<string, never>`]
  return [
    `export interface ${t.name} {`,
    ...shape.members.map((m) => `  ${m.name}${m.minOccurs === 0 ? '?' : ''}: ${memberType(model, m)}`),
    '}',
  ]
}

function tag(model: Model, ns: string, name: string): string {
  const prefix = model.prefixes.get(ns)
  return prefix ? `${prefix}:${name}` : name
}

function nsConst(model: Model, ns: string): string {
  return `NS_${model.prefixes.get(ns) || 'tns'}`
}

/** Expression reading the element the cursor `x` stands on as member `m`; it reads through the end tag. */
function readExpr(model: Model, m: Member, path: string): string {
  if (m.type.kind === 'primitive') {
    if (m.type.xsd === 'string') return `rt.readString(x)`
    return `rt.read${m.type.xsd === 'int' ? 'Int' : 'Boolean'}(x, ${path})`
  }
  const k = key(m.type.ns, m.type.name)
  if (model.enums.has(k)) return `rt.readEnum(x, T.${m.type.name}Values, ${path})`
  return `x.nil ? rt.readNil(x) : read${m.type.name}(x, ${path})`
}

function nonNull(m: Member, expr: string, pathExpr: string): string {
  // A member that is not nillable but arrives with xsi:nil is a client error, not a null.
  return m.nillable ? expr : `rt.notNil(${expr}, ${pathExpr})`
}

const ITEM_PATH = '`${path}[${out.length}]`'

function emitReader(model: Model, t: ComplexType): string[] {
  const shape = t.shape
  const sig = `export function read${t.name}(x: XmlCursor, path: string): T.${t.name} {`
  if (shape.kind === 'array') {
    const item = shape.item
    return [
      sig,
      `  const out: T.${t.name} = []`,
      `  while (x.enterChild()) {`,
      `    if (!x.at(${nsConst(model, item.ns)}, '${item.name}')) x.skip()`,
      `    else out.push(${nonNull(item, readExpr(model, item, ITEM_PATH), ITEM_PATH)})`,
      `  }`,
      `  return out`,
      `}`,
    ]
  }
  if (shape.kind === 'dictionary') {
    return [
      sig,
      `  const out: T.${t.name} = new Map()`,
      `  while (x.enterChild()) {`,
      `    if (!x.at(${nsConst(model, shape.entry.ns)}, '${shape.entry.name}')) {`,
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
  }
  const lines = [sig, `  const out: T.${t.name} = {}`]
  if (shape.members.length === 0) lines.push(`  x.skip()`)
  else {
    lines.push(`  while (x.enterChild()) {`, `    if (x.ns !== ${nsConst(model, t.ns)}) {`, `      x.skip()`, `      continue`, `    }`, `    switch (x.name) {`)
    for (const m of shape.members) {
      lines.push(`      case '${m.name}':`, `        out.${m.name} = ${nonNull(m, readExpr(model, m, `\`\${path}/${m.name}\``), `\`\${path}/${m.name}\``)}`, `        break`)
    }
    lines.push(`      default:`, `        x.skip()`, `    }`, `  }`)
    for (const m of shape.members.filter((x) => x.minOccurs > 0)) {
      lines.push(`  rt.required(out.${m.name}, \`\${path}/${m.name}\`)`)
    }
  }
  lines.push(`  return out`, `}`)
  return lines
}

/** The generated constants holding encoded markup (see src/soap/writer.ts), declared once each. */
class MarkupConstants {
  private readonly declarations = new Map<string, string>()

  /** Element `qname`; `root` marks an operation wrapper, written with every namespace declaration. */
  element(qname: string, root = false): string {
    const id = `${root ? 'ROOT' : 'E'}_${identifier(qname)}`
    return this.declare(id, `${root ? 'export ' : ''}const ${id} = rt.element('${qname}'${root ? ', WRAPPER_NAMESPACES' : ''})`)
  }

  /** A dictionary entry of string key and string value. */
  entry(entry: string, keyName: string, valueName: string): string {
    const id = `ENTRY_${identifier(entry)}`
    return this.declare(id, `const ${id} = rt.entry('${entry}', '${keyName}', '${valueName}')`)
  }

  lines(): string[] {
    return [...this.declarations].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, line]) => line)
  }

  private declare(id: string, line: string): string {
    const known = this.declarations.get(id)
    if (known !== undefined && known !== line) fail(`two elements would share the constant ${id}: ${known} / ${line}`)
    this.declarations.set(id, line)
    return id
  }
}

const identifier = (qname: string) => qname.replace(/[^A-Za-z0-9_$]/g, '_')

/** Statements writing member `m` whose value is `v` (an expression without side effects) to writer `w`. */
function writeStatements(model: Model, markup: MarkupConstants, m: Member, v: string): string[] {
  const name = tag(model, m.ns, m.name)
  const e = markup.element(name)
  let body: string[]
  if (m.type.kind === 'primitive') {
    const fn = { string: 'writeString', int: 'writeInt', boolean: 'writeBoolean' }[m.type.xsd]
    body = [`rt.${fn}(w, ${e}, ${v})`]
  } else if (model.enums.has(key(m.type.ns, m.type.name))) {
    body = [`rt.writeEnum(w, ${e}, ${v}, T.${m.type.name}Values)`]
  } else {
    body = [`rt.writeElement(w, ${e}, ${v}, write${m.type.name})`]
  }
  if (m.nillable) return body
  // Not nillable: an absent optional member is left out; an absent required one is a bug in the caller.
  if (m.minOccurs === 0) return [`if (${v} !== undefined) {`, ...indent(body), `}`]
  return [`if (${v} === undefined) rt.missing('${name}')`, ...body]
}

const indent = (lines: string[], by = '  ') => lines.map((l) => by + l)

function emitWriter(model: Model, markup: MarkupConstants, t: ComplexType): string[] {
  const shape = t.shape
  const sig = `export function write${t.name}(w: XmlWriter, v: T.${t.name}): void {`
  if (shape.kind === 'array') {
    return [sig, `  for (const item of v) {`, ...indent(writeStatements(model, markup, shape.item, 'item'), '    '), `  }`, `}`]
  }
  if (shape.kind === 'dictionary') {
    const entry = markup.entry(tag(model, shape.entry.ns, shape.entry.name), tag(model, shape.key.ns, 'Key'), tag(model, shape.value.ns, 'Value'))
    // forEach rather than for-of: it hands over key and value without an entry array per pair.
    return [sig, `  v.forEach((value, k) => rt.writeStringEntry(w, ${entry}, k, value))`, `}`]
  }
  if (shape.members.length === 0) return [`export function write${t.name}(_w: XmlWriter, _v: T.${t.name}): void {}`]
  return [sig, ...shape.members.flatMap((m) => indent(writeStatements(model, markup, m, `v.${m.name}`))), `}`]
}

function emitCodecs(model: Model): string {
  const declarations = [...model.prefixes].map(([ns, p]) => `xmlns${p ? ':' + p : ''}="${ns}"`).join(' ')
  const markup = new MarkupConstants()
  const body: string[] = []
  for (const t of [...sorted(model.complexTypes), ...sortedByName(model.wrappers)]) {
    body.push(...emitReader(model, t), '', ...emitWriter(model, markup, t), '')
  }
  for (const wrapper of sortedByName(model.wrappers)) markup.element(wrapper.name, true)
  return [
    header(model),
    `import * as rt from '../src/soap/codec.js'`,
    `import type { XmlWriter } from '../src/soap/writer.js'`,
    `import type { XmlCursor } from '../src/soap/xml.js'`,
    `import * as T from './types.js'`,
    '',
    ...[...model.prefixes].map(([ns, p]) => `const NS_${p || 'tns'} = '${ns}'`),
    '',
    `/** Namespace declarations written on every operation wrapper, so that nothing below needs its own. */`,
    `export const WRAPPER_NAMESPACES = '${declarations} xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'`,
    '',
    `// Markup of every element written, encoded once.`,
    ...markup.lines(),
    '',
    ...body,
  ].join('\n')
}

function emitService(model: Model): string {
  const ops = [...model.operations].sort((a, b) => (a.name < b.name ? -1 : 1))
  const out: string[] = [
    header(model),
    `import * as rt from '../src/soap/codec.js'`,
    `import type { SoapServiceDescription } from '../src/soap/service.js'`,
    `import * as C from './codecs.js'`,
    `import type * as T from './types.js'`,
    '',
    `/** Request and response type of every operation, by operation name. */`,
    `export interface ${model.service}Operations {`,
    ...ops.map((o) => `  ${o.name}: { request: T.${o.request}; response: T.${o.response} }`),
    `}`,
    '',
    `export type ${model.service}OperationName = keyof ${model.service}Operations`,
    '',
    `/** Everything the SOAP runtime needs to serve \`${model.wsdlRelative}\`. */`,
    `export const ${model.service}: SoapServiceDescription<${model.service}Operations> = {`,
    `  wsdlFile: '${model.wsdlRelative}',`,
    `  namespace: '${model.targetNs}',`,
    `  operations: {`,
  ]
  for (const o of ops) {
    out.push(
      `    ${o.name}: {`,
      `      name: '${o.name}',`,
      `      soapAction: '${o.soapAction}',`,
      `      requestElement: '${o.request}',`,
      `      takesParameters: ${hasParts(model.wrappers.get(o.request)!)},`,
      `      responseElement: '${o.response}',`,
      `      readRequest: (x) => C.read${o.request}(x, '${o.request}'),`,
      `      writeResponse: (w, v) => rt.writeRoot(w, C.ROOT_${o.response}, v, C.write${o.response}),`,
      `      writeRequest: (w, v) => rt.writeRoot(w, C.ROOT_${o.request}, v, C.write${o.request}),`,
      `      readResponse: (x) => C.read${o.response}(x, '${o.response}'),`,
      `    },`,
    )
  }
  out.push(`  },`, `}`, '')
  return out.join('\n')
}

function hasParts(wrapper: ComplexType): boolean {
  return wrapper.shape.kind !== 'struct' || wrapper.shape.members.length > 0
}

function sorted<T extends { ns: string; name: string }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => (key(a.ns, a.name) < key(b.ns, b.name) ? -1 : 1))
}

function sortedByName<T extends { name: string }>(map: Map<string, T>): T[] {
  return [...map.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}

const header = (model: Model) =>
  `// Generated by \`npm run codegen\` from ${model.wsdlRelative}. Do not edit: change the WSDL or scripts/codegen.ts.`

/**
 * Generates the files for one WSDL (a path relative to the project root).
 *
 * @example const files = await generate('wsdl/ErpConnectorWS.wsdl') // Map: 'types.ts' -> text, ...
 */
export async function generate(wsdlRelative = DEFAULT_WSDL): Promise<Map<string, string>> {
  const wsdlText = await readFile(path.join(root, wsdlRelative), 'utf8')
  const definitions = readXml(wsdlText, { maxDepth: 64 })
  const targetNs = attr(definitions, 'targetNamespace') ?? fail('no targetNamespace')
  const serviceElement = childrenOf(definitions, WSDL, 'service')[0] ?? fail('no wsdl:service')
  const service = attr(serviceElement, 'name') ?? fail('a wsdl:service without a name')
  if (!/^[A-Za-z_$][\w$]*$/.test(service)) fail(`the service name "${service}" is not a TypeScript identifier`)
  const { complexTypes, enums, wrappers } = readSchemas(wsdlText, definitions)
  const operations = readOperations(wsdlText, definitions, targetNs)
  await crossCheck(wsdlRelative, operations, wrappers)
  // The wrapper namespace is the default one; every other namespace gets a short prefix, in a stable order.
  const others = [...new Set([...complexTypes.values()].map((t) => t.ns))].filter((ns) => ns !== targetNs).sort()
  const prefixes = new Map<string, string>([[targetNs, ''], ...others.map((ns, i) => [ns, String.fromCharCode(97 + i)] as [string, string])])
  const model: Model = { wsdlRelative, service, targetNs, complexTypes, enums, wrappers, operations, prefixes }
  return new Map([
    ['types.ts', emitTypes(model)],
    ['codecs.ts', emitCodecs(model)],
    ['service.ts', emitService(model)],
    ['contract.ts', emitContract(model)],
  ])
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const files = await generate()
  await mkdir(outDir, { recursive: true })
  for (const [name, text] of files) await writeFile(path.join(outDir, name), text)
  console.log(`codegen: wrote ${[...files.keys()].map((f) => `generated/${f}`).join(', ')}`)
}
