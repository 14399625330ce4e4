/**
 * Emits generated/contract.ts: the facts about the service contract that code outside the codecs needs, as data.
 * Per operation: its request and response, which response member carries the payload, whether the request
 * carries a ConnectionGuid, and the request's arguments in order. Per data contract (complex types and message
 * wrappers): its members in wire order, what kind of value each is, and the .NET default of each value-typed
 * member (what a WCF client reads when the member is left out). The connector host, the conformance kit and
 * the tests read these tables instead of keeping their own copies.
 */
import { commentText, header, literal, propertyKey } from './emit.js'
import { fail, key, type ComplexType, type Member, type Model } from './model.js'

/** The request member that names the stored connection; its presence decides whether a call needs one. */
const CONNECTION_GUID = 'ConnectionGuid'

/** The connector method an operation maps to: `WSGetActors` → `getActors`, `Echo` → `echo`. */
export function methodName(operation: string): string {
  const bare = /^WS[A-Z]/.test(operation) ? operation.slice(2) : operation
  return bare.charAt(0).toLowerCase() + bare.slice(1)
}

/**
 * The members every connector has besides its operations (ErpConnector in src/connector/connector.ts; a test keeps
 * the two lists equal): no operation may map to one of them.
 */
export const CONNECTOR_OWN_MEMBERS = ['name', 'close', 'cacheStats'] as const

/** Each operation must have a connector method of its own: two mapping to one, or to a connector's own member, stop codegen. */
function checkMethodNames(operations: readonly { name: string }[]): void {
  const operationOf = new Map<string, string>()
  for (const { name } of operations) {
    const method = methodName(name)
    if ((CONNECTOR_OWN_MEMBERS as readonly string[]).includes(method)) {
      fail(`operation ${name} maps to the connector method ${method}, which is a member every connector has (${CONNECTOR_OWN_MEMBERS.join(', ')}); rename one of them`)
    }
    const other = operationOf.get(method)
    if (other !== undefined) fail(`operations ${other} and ${name} both map to the connector method ${method}; rename one of them`)
    operationOf.set(method, name)
  }
}

type MemberKind =
  | { kind: 'string' | 'int' | 'boolean' }
  | { kind: 'enum'; type: string; default: string }
  | { kind: 'struct'; type: string }
  | { kind: 'dictionary' }
  | { kind: 'array'; of: 'string' | 'int' | 'boolean' | 'enum' | 'struct'; type?: string }

function kindOf(model: Model, member: Member, owner: string): MemberKind {
  const ref = member.type
  if (ref.kind === 'primitive') return { kind: ref.xsd }
  const k = key(ref.ns, ref.name)
  const enumType = model.enums.get(k)
  if (enumType) return { kind: 'enum', type: enumType.name, default: enumType.values[0]! }
  const complex = model.complexTypes.get(k) ?? fail(`${owner}/${member.name}: type ${k} is not defined`)
  if (complex.shape.kind === 'dictionary') return { kind: 'dictionary' }
  if (complex.shape.kind === 'struct') return { kind: 'struct', type: complex.name }
  const item = kindOf(model, complex.shape.item, complex.name)
  if (item.kind === 'array' || item.kind === 'dictionary') fail(`${owner}/${member.name}: arrays of ${item.kind === 'array' ? 'arrays' : 'dictionaries'} are not supported`)
  return 'type' in item ? { kind: 'array', of: item.kind as 'enum' | 'struct', type: item.type } : { kind: 'array', of: item.kind as 'string' | 'int' | 'boolean' }
}

/** .NET's default for a value-typed member: 0, false, or an enum's first value; reference types have none (null). */
function dotNetDefault(kind: MemberKind): string | undefined {
  if (kind.kind === 'int') return '0'
  if (kind.kind === 'boolean') return 'false'
  if (kind.kind === 'enum') return literal(kind.default)
  return undefined
}

function kindLiteral(kind: MemberKind): string {
  switch (kind.kind) {
    case 'enum':
      return `{ kind: 'enum', type: ${literal(kind.type)} }`
    case 'struct':
      return `{ kind: 'struct', type: ${literal(kind.type)} }`
    case 'array':
      return kind.type === undefined ? `{ kind: 'array', of: ${literal(kind.of)} }` : `{ kind: 'array', of: ${literal(kind.of)}, type: ${literal(kind.type)} }`
    default:
      return `{ kind: ${literal(kind.kind)} }`
  }
}

function membersOf(t: ComplexType): Member[] {
  return t.shape.kind === 'struct' ? t.shape.members : []
}

function emitType(model: Model, t: ComplexType): string[] {
  const members = membersOf(t)
  const kinds = members.map((m) => [m.name, kindOf(model, m, t.name)] as const)
  const defaults = kinds.flatMap(([name, kind]) => {
    const value = dotNetDefault(kind)
    return value === undefined ? [] : [`${propertyKey(name)}: ${value}`]
  })
  return [
    `  ${propertyKey(t.name)}: {`,
    `    members: [${members.map((m) => literal(m.name)).join(', ')}],`,
    `    kinds: {${kinds.length === 0 ? '' : ` ${kinds.map(([name, kind]) => `${propertyKey(name)}: ${kindLiteral(kind)}`).join(', ')} `}},`,
    `    defaults: {${defaults.length === 0 ? '' : ` ${defaults.join(', ')} `}},`,
    `  },`,
  ]
}

/**
 * The members every response begins with: those of the shortest response wrapper that every other response
 * wrapper starts with (ConnectorResultBase for IErpConnectorWS). The payload is what a response adds to them.
 */
function resultBase(model: Model): ComplexType | undefined {
  const responses = [...new Set(model.operations.map((o) => o.response))].map((name) => model.wrappers.get(name) ?? fail(`no wrapper ${name}`))
  const startsWith = (t: ComplexType, prefix: ComplexType) => membersOf(prefix).every((m, i) => membersOf(t)[i]?.name === m.name)
  return responses
    .filter((candidate) => responses.every((t) => startsWith(t, candidate)))
    .sort((a, b) => membersOf(a).length - membersOf(b).length)[0]
}

export function emitContract(model: Model): string {
  const base = resultBase(model)
  const baseMembers = base ? membersOf(base).map((m) => m.name) : []
  const ops = [...model.operations].sort((a, b) => (a.name < b.name ? -1 : 1))
  checkMethodNames(ops)
  const out: string[] = [
    header(model),
    '',
    `/** What a member holds: a primitive, an enum, a data contract, a dictionary of strings, or an array of one of these. */`,
    `export type MemberKind =`,
    `  | { readonly kind: 'string' | 'int' | 'boolean' | 'dictionary' }`,
    `  | { readonly kind: 'enum' | 'struct'; readonly type: string }`,
    `  | { readonly kind: 'array'; readonly of: 'string' | 'int' | 'boolean' | 'enum' | 'struct'; readonly type?: string }`,
    '',
    `export interface OperationContract {`,
    `  /** The connector method that serves it. */`,
    `  readonly method: string`,
    `  readonly request: string`,
    `  readonly response: string`,
    `  /** The response member that carries the result's data, beyond the members every response has; null if none. */`,
    `  readonly payload: string | null`,
    `  /** Whether the request names a stored connection (a ConnectionGuid member). */`,
    `  readonly connectionGuid: boolean`,
    `  /** The request's members other than ConnectionGuid, in wire order. */`,
    `  readonly arguments: readonly string[]`,
    `}`,
    '',
    `export interface TypeContract {`,
    `  /** Members in wire (data-contract) order. */`,
    `  readonly members: readonly string[]`,
    `  readonly kinds: { readonly [member: string]: MemberKind }`,
    `  /** .NET's default of each value-typed member: what a WCF client reads when the member is left out. */`,
    `  readonly defaults: { readonly [member: string]: string | number | boolean }`,
    `}`,
    '',
    base ? `/** The members every response begins with (those of ${commentText(base.name)}). */` : `/** None: the responses do not all begin with the members of one of them. */`,
    `export const RESULT_BASE = { name: ${base ? literal(base.name) : 'null'}, members: [${baseMembers.map(literal).join(', ')}] } as const`,
    '',
    `/** Every operation, by name. */`,
    `export const OPERATIONS = {`,
  ]
  for (const op of ops) {
    const request = model.wrappers.get(op.request) ?? fail(`no wrapper ${op.request}`)
    const response = model.wrappers.get(op.response) ?? fail(`no wrapper ${op.response}`)
    const requestMembers = membersOf(request).map((m) => m.name)
    // Without a base every response shares, no member is singled out as the payload.
    const extra = base
      ? membersOf(response)
          .map((m) => m.name)
          .slice(baseMembers.length)
      : []
    if (extra.length > 1) fail(`${op.response} has more than one member beyond ${base?.name}: ${extra.join(', ')}`)
    out.push(
      `  ${propertyKey(op.name)}: {`,
      `    method: ${literal(methodName(op.name))},`,
      `    request: ${literal(op.request)},`,
      `    response: ${literal(op.response)},`,
      `    payload: ${extra[0] === undefined ? 'null' : literal(extra[0])},`,
      `    connectionGuid: ${requestMembers.includes(CONNECTION_GUID)},`,
      `    arguments: [${requestMembers.filter((m) => m !== CONNECTION_GUID).map(literal).join(', ')}],`,
      `  },`,
    )
  }
  out.push(`} as const satisfies Record<string, OperationContract>`, '')
  out.push(`/** Every data contract (complex types and message wrappers), by name. */`, `export const TYPES = {`)
  const structs = [...model.complexTypes.values()].filter((t) => t.shape.kind === 'struct')
  const all = [...structs, ...model.wrappers.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  const seen = new Set<string>()
  for (const t of all) {
    if (seen.has(t.name)) fail(`two data contracts are named ${t.name}`)
    seen.add(t.name)
    out.push(...emitType(model, t))
  }
  out.push(`} as const satisfies Record<string, TypeContract>`, '')
  out.push(`export type OperationName = keyof typeof OPERATIONS`, `export type TypeName = keyof typeof TYPES`, '')
  return out.join('\n')
}
