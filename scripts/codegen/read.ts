/**
 * Reads a WSDL into the model (model.ts).
 *
 * wsdl-tsclient parses the WSDL into ports, methods and definitions; its model decides which operations exist and
 * which wrapper elements they use. It drops what the wire needs (XSD type names, minOccurs, nillable, enumerations,
 * dictionaries, namespaces), so those facts are read from the embedded schemas here, and the two views are
 * checked against each other: codegen fails if they disagree on any operation or on any part's name or order.
 */
import { parseWsdl } from 'wsdl-tsclient'
import { attr, childrenOf, parseDocument, resolveQName, type WsdlElement } from './document.js'
import {
  fail,
  key,
  PRIMITIVES,
  SER,
  WSDL,
  WSDL_SOAP,
  XS,
  type ComplexType,
  type EnumType,
  type Member,
  type Model,
  type Operation,
  type Primitive,
  type Shape,
  type TypeRef,
} from './model.js'

export interface Schemas {
  complexTypes: Map<string, ComplexType>
  enums: Map<string, EnumType>
  wrappers: Map<string, ComplexType>
}

/**
 * Reads a WSDL's text into the model.
 *
 * @param wsdlPath where wsdl-tsclient reads the same document from, for the cross-check
 * @param wsdlRelative the name the generated code gives the WSDL
 */
export async function readWsdl(text: string, wsdlPath: string, wsdlRelative: string): Promise<Model> {
  const definitions = parseDocument(text, wsdlRelative)
  if (definitions.ns !== WSDL || definitions.name !== 'definitions') fail(`${wsdlRelative}: the root element is not wsdl:definitions`)
  const targetNs = attr(definitions, 'targetNamespace') ?? fail('no targetNamespace')
  const serviceElement = childrenOf(definitions, WSDL, 'service')[0] ?? fail('no wsdl:service')
  const service = attr(serviceElement, 'name') ?? fail('a wsdl:service without a name')
  // It names the exported operation table: renaming it silently would surprise whoever imports it.
  if (!/^[A-Za-z_$][\w$]*$/.test(service)) fail(`the service name ${JSON.stringify(service)} is not a TypeScript identifier`)
  const types = childrenOf(definitions, WSDL, 'types')[0] ?? fail('no wsdl:types')
  const schemas = readSchemas(childrenOf(types, XS, 'schema'))
  const operations = readOperations(definitions, targetNs)
  await crossCheck(wsdlPath, operations, schemas.wrappers)
  return modelOf({ wsdlRelative, service, targetNs, operations, ...schemas })
}

/** Completes a model: the wrapper namespace is the default one; every other namespace gets a short prefix, in a stable order. */
export function modelOf(parts: Omit<Model, 'prefixes'>): Model {
  const others = [...new Set([...parts.complexTypes.values()].map((t) => t.ns))].filter((ns) => ns !== parts.targetNs).sort()
  const prefixes = new Map<string, string>([[parts.targetNs, ''], ...others.map((ns, i) => [ns, prefixName(i)] as [string, string])])
  return { ...parts, prefixes }
}

/** a, b, ... z without i (the writers declare `i` for XML Schema instance), then a1, b1, ... */
function prefixName(index: number): string {
  const letters = 'abcdefghjklmnopqrstuvwxyz'
  const round = Math.floor(index / letters.length)
  return letters[index % letters.length]! + (round === 0 ? '' : String(round))
}

/** Reads the types and wrapper elements of the given `xs:schema` elements. */
export function readSchemas(schemas: WsdlElement[]): Schemas {
  const complexTypes = new Map<string, ComplexType>()
  const enums = new Map<string, EnumType>()
  const wrappers = new Map<string, ComplexType>()
  for (const schema of schemas) {
    const ns = attr(schema, 'targetNamespace') ?? fail('schema without targetNamespace')
    if (attr(schema, 'elementFormDefault') !== 'qualified') fail(`schema ${ns} must use elementFormDefault="qualified"`)
    const readMembers = (complex: WsdlElement, owner: string): Member[] => {
      const sequence = childrenOf(complex, XS, 'sequence')[0]
      if (!sequence) return []
      return childrenOf(sequence, XS, 'element').map((el) => {
        const name = attr(el, 'name') ?? fail(`unnamed element in ${owner}`)
        const typeName = attr(el, 'type')
        let type: TypeRef
        if (typeName) {
          const q = resolveQName(el, typeName)
          if (q.ns === XS) {
            if (!(PRIMITIVES as readonly string[]).includes(q.name)) fail(`unsupported xs:${q.name} in ${owner}`)
            type = { kind: 'primitive', xsd: q.name as Primitive }
          } else type = { kind: 'named', ...q }
        } else {
          // An anonymous complex type (the dictionary entry): give it a name derived from its element.
          const anonymous = childrenOf(el, XS, 'complexType')[0] ?? fail(`element ${owner}/${name} has no type`)
          complexTypes.set(key(ns, name), { ns, name, shape: { kind: 'struct', members: readMembers(anonymous, name) } })
          type = { kind: 'named', ns, name }
        }
        const max = attr(el, 'maxOccurs') ?? '1'
        return withDocumentation(
          {
            name,
            ns,
            type,
            minOccurs: Number(attr(el, 'minOccurs') ?? '1'),
            unbounded: max === 'unbounded',
            nillable: attr(el, 'nillable') === 'true',
          },
          el,
        )
      })
    }
    for (const complex of childrenOf(schema, XS, 'complexType')) {
      const name = attr(complex, 'name') ?? fail('unnamed top-level complexType')
      const members = readMembers(complex, name)
      const isDictionary = childrenOf(complex, XS, 'annotation').some((a) =>
        childrenOf(a, XS, 'appinfo').some((info) => childrenOf(info, SER, 'IsDictionary').some((c) => c.text.trim() === 'true')),
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
      complexTypes.set(key(ns, name), withDocumentation({ ns, name, shape }, complex))
    }
    for (const simple of childrenOf(schema, XS, 'simpleType')) {
      const name = attr(simple, 'name') ?? fail('unnamed simpleType')
      const restriction = childrenOf(simple, XS, 'restriction')[0] ?? fail(`simpleType ${name} without restriction`)
      const values = childrenOf(restriction, XS, 'enumeration').map((e) => attr(e, 'value') ?? fail(`${name}: enumeration without value`))
      if (values.length === 0) fail(`simpleType ${name} is not an enumeration`)
      enums.set(key(ns, name), withDocumentation({ ns, name, values }, simple))
    }
    for (const element of childrenOf(schema, XS, 'element')) {
      const anonymous = childrenOf(element, XS, 'complexType')[0]
      if (!anonymous) continue
      const name = attr(element, 'name') ?? fail('unnamed top-level element')
      wrappers.set(name, withDocumentation({ ns, name, shape: { kind: 'struct', members: readMembers(anonymous, name) } }, element))
    }
  }
  return { complexTypes, enums, wrappers }
}

/** `xs:annotation/xs:documentation` (schema constructs) or `wsdl:documentation` (operations), without surrounding blank lines. */
function documentationOf(element: WsdlElement): string | undefined {
  const texts = [
    ...childrenOf(element, XS, 'annotation').flatMap((a) => childrenOf(a, XS, 'documentation')),
    ...childrenOf(element, WSDL, 'documentation'),
  ].map((d) => d.text.replace(/\r\n?/g, '\n'))
  const text = texts.join('\n').replace(/^\s*\n/, '').trimEnd()
  if (text.trim() === '') return undefined
  // The indentation the lines share is the WSDL's layout, not part of the text.
  const lines = text.split('\n')
  const shared = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length))
  return lines.map((l) => l.slice(shared).trimEnd()).join('\n')
}

function withDocumentation<T extends object>(value: T, element: WsdlElement): T & { documentation?: string } {
  const documentation = documentationOf(element)
  return documentation === undefined ? value : { ...value, documentation }
}

function readOperations(definitions: WsdlElement, targetNs: string): Operation[] {
  const messages = new Map<string, string>()
  for (const message of childrenOf(definitions, WSDL, 'message')) {
    const name = attr(message, 'name') ?? fail('a wsdl:message without a name')
    const parts = childrenOf(message, WSDL, 'part')
    if (parts.length !== 1) fail(`message ${name} must have exactly one part (document/literal wrapped)`)
    const element = resolveQName(parts[0]!, attr(parts[0]!, 'element') ?? fail(`the part of message ${name} has no element`))
    if (element.ns !== targetNs) fail(`message ${name} uses an element outside ${targetNs}`)
    messages.set(key(targetNs, name), element.name)
  }
  const portType = childrenOf(definitions, WSDL, 'portType')[0] ?? fail('no portType')
  const actions = new Map<string, string>()
  const binding = childrenOf(definitions, WSDL, 'binding')[0] ?? fail('no binding')
  for (const op of childrenOf(binding, WSDL, 'operation')) {
    const name = attr(op, 'name') ?? fail('a binding operation without a name')
    const soapOperation = childrenOf(op, WSDL_SOAP, 'operation')[0] ?? fail(`binding operation ${name} is not SOAP 1.1`)
    actions.set(name, attr(soapOperation, 'soapAction') ?? fail(`no soapAction for ${name}`))
  }
  return childrenOf(portType, WSDL, 'operation').map((op) => {
    const name = attr(op, 'name') ?? fail('a portType operation without a name')
    const message = (tag: string) => {
      const io = childrenOf(op, WSDL, tag)[0] ?? fail(`${name} has no ${tag}`)
      const q = resolveQName(io, attr(io, 'message') ?? fail(`the ${tag} of ${name} names no message`))
      return messages.get(key(q.ns, q.name)) ?? fail(`${name}: unknown ${tag} message ${q.name}`)
    }
    const operation: Operation = { name, soapAction: actions.get(name) ?? fail(`${name} is not bound`), request: message('input'), response: message('output') }
    return withDocumentation(operation, op)
  })
}

/** Checks the schema-derived model against wsdl-tsclient's parse of the same WSDL. */
async function crossCheck(wsdlPath: string, operations: Operation[], wrappers: Map<string, ComplexType>): Promise<void> {
  const parsed = await parseWsdl(wsdlPath, { caseInsensitiveNames: false })
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
      const wrapper = wrappers.get(element) ?? fail(`${op.name}: the wrapper element ${element} has no anonymous complex type`)
      const members = wrapper.shape.kind === 'struct' ? wrapper.shape.members.map((m) => m.name) : []
      const theirs = definition!.properties.map((p) => p.sourceName)
      if (theirs.join() !== members.join()) fail(`${element}: parts [${theirs}] (wsdl-tsclient) != [${members}] (schema)`)
    }
  }
}
