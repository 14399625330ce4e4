/**
 * The connector host: what SuperOffice's WCF host (ERPConnectorWS.cs + EisPluginLoader) does, for the generated
 * IErpConnectorWS operations. One generic adapter serves every operation from its generated descriptor
 * (generated/contract.ts): it picks the connector (`?ConnectorName=`), resolves the connection GUID through the
 * connection store when the request carries one, builds the argument object, calls the connector's method, and
 * shapes the result so that what goes on the wire is complete and consistent (IsOk matches State, every base part
 * present, the payload's members filled in with their defaults).
 *
 * Only genuine lifecycle differences are special: WSSaveConnection stores the connection, WSDeleteConnection
 * forgets it (and succeeds for a GUID already unknown), WSGetList/WSGetListItems accept the all-zero GUID without a
 * connection, and WSGetConfigData/WSTestConfigData name none.
 */
import type { FastifyRequest } from 'fastify'
import { OPERATIONS, TYPES, type MemberKind, type OperationName, type TypeName } from '../../generated/contract.js'
import type { ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { classifyDatabaseError } from '../connections/availability.js'
import { SecretKeyError } from '../connections/secrets.js'
import { LockWaitTimeout, type CallOutcome, type ConnectionStore } from '../connections/store.js'
import { describeInput } from '../encoding/describe.js'
import type { SoapCallContext, SoapHandlers } from '../soap/plugin.js'
import type { CallContext, Connection, ConnectorLogger, ErpActor, ErpConnector, Outcome, ResultOf } from './connector.js'
import {
  ConnectorFailure,
  ErrorCode,
  invalidConnectionId,
  invalidConnectorAnswer,
  invalidRequest,
  notSupported,
  resourceBusy,
  secretKeyMismatch,
  secretUnreadable,
  storeBusy,
  storeError,
  storeUnavailable,
  unknownConnection,
  unknownConnector,
} from './errors.js'
import { EMPTY_GUID, normalizeGuid } from './guid.js'
import { createMasker, maskingLogger, type Masker } from './masking.js'

/** Actor type names SuperOffice knows (contract section 10.1); connectors cannot add their own. */
export const ACTOR_TYPES = ['Customer', 'Supplier', 'Partner', 'Person', 'Project', 'Employee', 'Sale'] as const

type Ops = ErpConnectorWSOperations
type Base = T.ConnectorResultBase
type Wire = Record<string, unknown>

export interface ConnectorHostOptions {
  /** The first one answers when the URL names no connector. */
  connectors: readonly ErpConnector[]
  store: ConnectionStore
}

export interface ConnectorHost {
  handlers: SoapHandlers<Ops>
  errorResponse: (operation: keyof Ops, error: unknown, log: ConnectorLogger) => Base
  logFields: (operation: string, request: unknown, response: unknown) => Record<string, unknown>
}

/** What one call needs from the server: the connectors, the store, and what is learnt once per connector. */
export interface HostDependencies {
  connectors: readonly ErpConnector[]
  store: ConnectionStore
  /** The Password fields of each connector: field metadata does not change while the server runs. */
  secretFields: (connector: ErpConnector, ctx: CallContext) => Promise<Set<string>>
}

/**
 * Builds the SOAP handlers for a set of connectors.
 *
 * @example
 * const host = createConnectorHost({ connectors: [excel], store })
 * await app.register(soapPlugin, { path: '/ErpConnectorWS.svc', service: ErpConnectorWS, wsdl, ...host })
 */
export function createConnectorHost(options: ConnectorHostOptions): ConnectorHost {
  const { connectors, store } = options
  if (connectors.length === 0) throw new TypeError('createConnectorHost: register at least one connector')
  const deps: HostDependencies = { connectors, store, secretFields: secretFieldCache() }
  const handlers = Object.fromEntries(
    (Object.keys(OPERATIONS) as OperationName[]).map((operation) => [operation, (request: Wire, soap: SoapCallContext) => serve(deps, operation, request, soap)]),
  ) as unknown as SoapHandlers<Ops>
  return {
    handlers,
    errorResponse: (operation, error, log) => {
      // An expected failure is told by the per-call log line (state, errorCode); an exception needs its stack.
      if (error instanceof ConnectorFailure) log.debug({ operation, errorCode: error.code, explanation: error.userExplanation }, 'call failed')
      else log.error({ err: error, operation }, `${String(operation)} threw; answering State=Error, ErrorCode=EX`)
      // Shaped as a returned Error result is, so that a value-typed payload carries its default here too.
      return shapeResult(operation, errorResult(error)) as Base
    },
    logFields: (_operation, request, response) => {
      const guid = (request as { ConnectionGuid?: string | null }).ConnectionGuid
      const result = response as Base | undefined
      return {
        ...(guid != null ? { connectionGuid: normalizeGuid(guid) ?? guid } : {}),
        state: result?.State,
        ...(result?.ErrorCode ? { errorCode: result.ErrorCode } : {}),
      }
    },
  }
}

/** Asks each connector once for its Password fields (again after a failure). */
function secretFieldCache(): HostDependencies['secretFields'] {
  const cache = new Map<ErpConnector, Promise<Set<string>>>()
  return (connector, ctx) => {
    let fields = cache.get(connector)
    if (!fields) {
      fields = passwordFields(connector, ctx)
      fields.catch(() => cache.delete(connector))
      cache.set(connector, fields)
    }
    return fields
  }
}

/** The connector `?ConnectorName=` names (any case, key and value), or the first one. */
export function selectConnector(connectors: readonly ErpConnector[], query: unknown): ErpConnector {
  const params = (query ?? {}) as Record<string, unknown>
  const key = Object.keys(params).find((k) => k.toUpperCase() === 'CONNECTORNAME')
  const wanted = key === undefined ? undefined : String(params[key])
  if (wanted === undefined || wanted === '') return connectors[0]!
  const found = connectors.find((c) => c.name.toLowerCase() === wanted.toLowerCase())
  if (!found) throw unknownConnector(wanted, connectors.map((c) => c.name))
  return found
}

/**
 * Where a call stands before the connector runs: the connection it works on (null when it names none, or the
 * all-zero GUID of a configuration list), the configuration in play (whose Password values the call masks), and
 * whether the connection is a stored one whose use is recorded. Or, already, the answer.
 */
export type Target = { connection: Connection | null; config: Connection['config'] | undefined; stored: boolean } | { answer: Base }

/** Operations whose method is a hook: a connector without it has nothing to prepare or clean up. */
const HOOKS: ReadonlySet<OperationName> = new Set(['WSSaveConnection', 'WSDeleteConnection'])

/** Resolves the connection a request names, by the operation's lifecycle. */
export async function resolveTarget(
  store: ConnectionStore,
  operation: OperationName,
  connector: ErpConnector,
  request: Wire,
  log: ConnectorLogger,
): Promise<Target> {
  if (!OPERATIONS[operation].connectionGuid) {
    const config = operation === 'WSTestConfigData' ? ((request.ConnectionInfo as Connection['config'] | null) ?? new Map()) : undefined
    return { connection: null, config, stored: false }
  }
  const raw = request.ConnectionGuid as string | null | undefined
  const id = normalizeGuid(raw)
  switch (operation) {
    case 'WSSaveConnection': {
      if (id === undefined || id === EMPTY_GUID) throw invalidConnectionId(raw)
      const config = (request.ConnectionInfo as Connection['config'] | null) ?? new Map()
      return { connection: { id, connectorName: connector.name, config }, config, stored: false }
    }
    case 'WSDeleteConnection':
      try {
        const connection = await storedConnection(store, connector, raw, log)
        return { connection, config: connection.config, stored: false }
      } catch (error) {
        // Deleting what is already gone succeeds: SuperOffice calls this only "in case the connector needs to know".
        if (error instanceof ConnectorFailure && error.code === ErrorCode.UnknownConnectionId) return { answer: finish({}) }
        throw error
      }
    case 'WSGetList':
    case 'WSGetListItems':
      // Configuration lists are asked for with the all-zero GUID while SuperOffice Admin sets a connection up.
      if (id === EMPTY_GUID) return { connection: null, config: undefined, stored: false }
      break
  }
  const connection = await storedConnection(store, connector, raw, log)
  return { connection, config: connection.config, stored: true }
}

async function storedConnection(store: ConnectionStore, connector: ErpConnector, raw: string | null | undefined, log: ConnectorLogger): Promise<Connection> {
  const id = normalizeGuid(raw)
  if (id === undefined) throw invalidConnectionId(raw)
  let connection: Connection | undefined
  try {
    connection = await store.find(id)
  } catch (error) {
    throw storeFailure(error, log)
  }
  // A GUID saved through another connector is not this connector's: SuperOffice will save it here and retry.
  if (!connection || connection.connectorName.toLowerCase() !== connector.name.toLowerCase()) throw unknownConnection(id)
  return connection
}

/** One call, generically: connector, connection, arguments, method, result, and the lifecycle step after it. */
async function serve(deps: HostDependencies, operation: OperationName, request: Wire, soap: SoapCallContext): Promise<Wire> {
  const contract = OPERATIONS[operation]
  const log = () => soap.request.log
  const secrets = new CallSecrets(soap.request)
  try {
    const connector = selectConnector(deps.connectors, soap.request.query)
    const target = await resolveTarget(deps.store, operation, connector, request, log())
    if ('answer' in target) return target.answer as Wire
    const { connection, config } = target
    let result: Wire
    let secretFields: Set<string> | undefined
    try {
      if (config) {
        secretFields = await deps.secretFields(connector, callContext(deps.store, log()))
        secrets.mask(secretFields, config)
      }
      // Made after masking, so that what the connector logs is masked.
      const ctx = callContext(deps.store, log())
      const args = requestArguments(operation, request)
      if (contract.connectionGuid) args.connection = connection
      const method = connector[contract.method] as unknown as ((ctx: CallContext, args: Wire) => Promise<Outcome> | Outcome) | undefined
      if (method) result = secrets.hide(shapeResult(operation, checkAnswer(connector.name, operation, await method.call(connector, ctx, args))))
      else if (HOOKS.has(operation)) result = finish({}) as Wire
      else throw notSupported(connector.name, operation)
    } catch (error) {
      if (target.stored && connection) recordUse(deps.store, connection, errorResult(secrets.hideError(error)), log())
      throw error
    }
    if (target.stored && connection) recordUse(deps.store, connection, result as Base, log())
    if (connection && result.State !== 'Error') await afterCall(deps.store, operation, connection, secretFields ?? new Set(), log())
    return result
  } catch (error) {
    throw secrets.hideError(error)
  }
}

/** The lifecycle step after a successful call: WSSaveConnection stores the connection, WSDeleteConnection forgets it. */
async function afterCall(store: ConnectionStore, operation: OperationName, connection: Connection, secretFields: Set<string>, log: ConnectorLogger): Promise<void> {
  try {
    if (operation === 'WSSaveConnection') await store.save(connection, { secretFields })
    else if (operation === 'WSDeleteConnection') await store.delete(connection.id)
  } catch (error) {
    throw storeFailure(error, log)
  }
}

function callContext(store: ConnectionStore, log: ConnectorLogger): CallContext {
  return { log, exclusive: (key, work) => exclusive(store, log, key, work) }
}

/**
 * A call's secrets: the Password values of the configuration in play. Once known, they are masked in everything
 * the call logs (request.log included), answers and records as its last error.
 */
class CallSecrets {
  private masker: Masker | undefined

  constructor(private readonly request: FastifyRequest) {}

  mask(secretFields: Set<string>, config: ReadonlyMap<string, string | null>): void {
    this.masker = createMasker([...secretFields].flatMap((key) => config.get(key) ?? []))
    if (this.masker) this.request.log = maskingLogger(this.request.log, this.masker)
  }

  hide(result: Wire): Wire {
    if (!this.masker) return result
    const base = result as Base
    return { ...result, UserExplanation: this.masker.text(base.UserExplanation ?? ''), TechExplanation: this.masker.text(base.TechExplanation ?? '') }
  }

  hideError(error: unknown): unknown {
    return this.masker ? this.masker.value(error) : error
  }
}

async function exclusive<R>(store: ConnectionStore, log: ConnectorLogger, key: string, work: () => Promise<R>): Promise<R> {
  let entered = false
  try {
    return await store.exclusive(key, () => {
      entered = true
      return work()
    })
  } catch (error) {
    // Failing to take the lock is the database's fault; failing inside it is the work's.
    if (entered) throw error
    if (error instanceof LockWaitTimeout) throw resourceBusy(error.key, Math.round(error.waitedMs / 1000))
    throw storeFailure(error, log)
  }
}

function recordUse(store: ConnectionStore, connection: Connection, result: Base, log: ConnectorLogger): void {
  const outcome: CallOutcome = { state: result.State!, errorCode: result.ErrorCode ?? '', explanation: result.UserExplanation ?? '' }
  store.recordUse(connection.id, outcome).catch((error: unknown) => {
    log.warn({ err: error, connectionGuid: connection.id }, 'could not record the use of a connection')
  })
}

/** A store error as the caller should see it: the database out of reach or busy, a wrong key, or a fault of ours. */
function storeFailure(error: unknown, log: ConnectorLogger): ConnectorFailure {
  if (error instanceof SecretKeyError) return error.problem === 'value' ? secretUnreadable(error.message) : secretKeyMismatch(error.message)
  const message = error instanceof Error ? error.message : String(error)
  switch (classifyDatabaseError(error)) {
    case 'unavailable':
      return storeUnavailable(message)
    case 'busy':
      return storeBusy(message)
    case 'bug': {
      log.error({ err: error }, 'the connection store failed')
      const code = (error as { code?: unknown } | undefined)?.code
      return storeError(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined)
    }
  }
}

/** The configuration keys a connector declares as Password fields: secrets to seal at rest and never log. */
export async function passwordFields(connector: ErpConnector, ctx: CallContext): Promise<Set<string>> {
  if (!connector.getConfigData) return new Set()
  const config = checkAnswer(connector.name, 'WSGetConfigData', await connector.getConfigData(ctx, {})) as ResultOf<'WSGetConfigData'>
  return new Set((config.FieldMetaDataObjects ?? []).filter((f) => f?.FieldType === 'Password' && f.FieldKey).map((f) => f.FieldKey))
}

/**
 * Makes a result safe to send: every base part present, and IsOk consistent with State. State is authoritative
 * (SuperOffice reads it last), except that IsOk=false without a State means the connector meant an error.
 */
export function finish(result: Outcome | undefined | void): Base {
  const r: Outcome = result ?? {}
  const state: T.ResponseStateWS = r.IsOk === false && r.State !== 'Error' ? 'Error' : (r.State ?? 'Ok')
  return {
    State: state,
    IsOk: state !== 'Error',
    UserExplanation: r.UserExplanation ?? '',
    TechExplanation: r.TechExplanation ?? '',
    ErrorCode: r.ErrorCode ?? '',
  }
}

/** The result for an error thrown by a connector or the host, shaped as SuperOffice's host shapes it. */
export function errorResult(error: unknown): Base {
  if (error instanceof ConnectorFailure) {
    return { State: 'Error', IsOk: false, UserExplanation: error.userExplanation, TechExplanation: error.techExplanation, ErrorCode: error.code }
  }
  // ResponseHelper.CreateWSResponse(Exception): "<n>: <message>" per exception in the inner-exception chain.
  const chain: string[] = []
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = e instanceof Error ? e.cause : undefined) {
    chain.push(`${chain.length + 1}: ${e instanceof Error ? e.message : String(e)}\n`)
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    State: 'Error',
    IsOk: false,
    UserExplanation: `Exception in ERP Connector: ${message}`,
    TechExplanation: chain.join(''),
    ErrorCode: ErrorCode.Exception,
  }
}

/**
 * Defaults SuperOffice's own classes set in their constructors, beyond what .NET gives a member left out (which
 * the generated TYPES table holds): an ErpActorWS is of type Unknown until told otherwise.
 */
const SUPEROFFICE_DEFAULTS: Partial<Record<TypeName, Wire>> = {
  ErpActorWS: { ActorType: 'Unknown', ParentActorType: 'Unknown' },
}

/**
 * A complete copy of a data contract value, as connectors see it: every member present, a member left out or nil
 * given SuperOffice's default, else .NET's for a value type (generated TYPES), else '' / [] / an empty Map;
 * arrays without their nil items. A dictionary is passed on as it is (its null values are meaningful).
 */
export function complete(typeName: TypeName, value: Wire | null | undefined): Wire {
  return completerOf(typeName)(value)
}

/** Per data contract, a function completing its values, made once from the table. */
const completers = new Map<TypeName, (value: Wire | null | undefined) => Wire>()

function completerOf(typeName: TypeName): (value: Wire | null | undefined) => Wire {
  const known = completers.get(typeName)
  if (known) return known
  const type = TYPES[typeName]
  const defaults = type.defaults as Wire
  const superOffice = SUPEROFFICE_DEFAULTS[typeName]
  const kinds = type.kinds as Record<string, MemberKind>
  const plan = type.members.map((member: string) => {
    const kind = kinds[member]!
    const fallback = superOffice?.[member] ?? defaults[member]
    return {
      member,
      // A value type's or SuperOffice's default is immutable and shared; an empty list or map is made per value.
      orDefault: fallback !== undefined ? () => fallback : () => empty(kind),
      nested: kind.kind === 'struct' || kind.kind === 'array' ? (given: unknown) => completeMember(kind, given) : undefined,
    }
  })
  // Members in wire order, so every value has the same shape; Object.fromEntries defines each as an own property
  // (a member named __proto__ stays a member, not the object's prototype).
  const build = (value: Wire): Wire =>
    Object.fromEntries(
      plan.map(({ member, orDefault, nested }) => {
        const given = value[member]
        return [member, given == null ? orDefault() : nested ? nested(given) : given]
      }),
    )
  const completer = (value: Wire | null | undefined): Wire => build(value ?? {})
  completers.set(typeName, completer)
  return completer
}

function completeMember(kind: MemberKind, value: unknown): unknown {
  if (kind.kind === 'struct') return complete(kind.type as TypeName, value as Wire)
  if (kind.kind === 'array') {
    const items = (value as unknown[]).filter((item) => item != null)
    if (kind.of !== 'struct') return items
    const completer = completerOf(kind.type as TypeName)
    return items.map((item) => completer(item as Wire))
  }
  return value
}

function empty(kind: MemberKind): unknown {
  switch (kind.kind) {
    case 'string':
      return ''
    case 'array':
      return []
    case 'dictionary':
      return new Map()
    case 'struct':
      return complete(kind.type as TypeName, undefined)
    default:
      // Value types (int, boolean, enum) always have a generated default.
      throw new Error(`no default for a ${kind.kind} member`)
  }
}

/**
 * The argument object of an operation: the request's arguments, complete (see {@link complete}), with
 * SuperOffice's rules applied: a missing Actor is refused, actor types must be ones SuperOffice knows, and a search
 * restriction's Values fall back to its ScalarValue.
 */
export function requestArguments(operation: OperationName, request: Wire): Wire {
  const contract = OPERATIONS[operation]
  const type = TYPES[contract.request]
  const kinds = type.kinds as Record<string, MemberKind>
  const args: Wire = {}
  for (const name of contract.arguments as readonly string[]) {
    const kind = kinds[name]!
    const given = request[name]
    if (given == null && kind.kind === 'struct') throw invalidRequest(`The request has no ${name}.`)
    args[name] = given == null ? empty(kind) : name === 'Restrictions' ? completeMember(kind, (given as T.SearchRestrictionInfoWS[]).map(withScalarFallback)) : completeMember(kind, given)
  }
  if ('ActorType' in args) actorType(args.ActorType as string)
  if (args.Actor) actorType((args.Actor as ErpActor).ActorType)
  if (args.Actors) for (const actor of args.Actors as ErpActor[]) actorType(actor.ActorType)
  return args
}

/** Values is the real list; ScalarValue is its first item, serialised first (contract section 4.3). */
function withScalarFallback(restriction: T.SearchRestrictionInfoWS | null): T.SearchRestrictionInfoWS | null {
  if (!restriction || (restriction.Values ?? []).some((v) => v != null) || restriction.ScalarValue == null) return restriction
  return { ...restriction, Values: [restriction.ScalarValue] }
}

/**
 * The response for what a connector returned: the base parts made consistent, and the payload complete; a payload
 * left out is empty on success (an empty array or map) and nil on Error, except a value-typed one (an int, a
 * boolean), which cannot be nil: it is .NET's default, as WCF writes it. A data contract payload (the created Actor)
 * left out on success is the connector's bug.
 */
export function shapeResult(operation: OperationName, result: Outcome | undefined | void): Wire {
  const base = finish(result) as Wire
  const member = OPERATIONS[operation].payload as string | null
  if (member === null) return base
  const response = TYPES[OPERATIONS[operation].response]
  const kind = (response.kinds as Record<string, MemberKind>)[member]!
  const given = (result as Wire | undefined)?.[member]
  if (given != null) return { ...base, [member]: completeMember(kind, given) }
  const valueDefault = (response.defaults as Wire)[member]
  if (valueDefault !== undefined) return { ...base, [member]: valueDefault }
  if (base.State === 'Error') return { ...base, [member]: null }
  return { ...base, [member]: empty(kind) }
}

/**
 * What a connector returned, refused with INVALID_CONNECTOR_ANSWER (naming the connector, the operation and the
 * member at fault) when it breaks the operation's contract (generated/contract.ts): it must be an object whose
 * members are the response's, each of its kind (a string, an int, a boolean, an array of the items' kind, a Map of
 * strings, a data contract object), at every depth. A member left out or nil is completed, not refused, except a
 * data contract payload (the created Actor) on success. Checked here rather than left to the encoder, so that the
 * admin reads which member of which connector is wrong rather than a JavaScript error or a silently empty answer.
 */
export function checkAnswer(connector: string, operation: OperationName, result: unknown): Outcome {
  const problem = answerProblem(operation, result)
  if (problem !== undefined) throw invalidConnectorAnswer(connector, operation, problem)
  return result as Outcome
}

function answerProblem(operation: OperationName, result: unknown): string | undefined {
  if (!isPlainRecord(result)) return `it returned ${describeValue(result)} instead of a result object (return {} for a plain success)`
  const { response, payload } = OPERATIONS[operation]
  const problem = structProblem(response, result, '', payload === null ? '' : ` (its data goes in ${payload})`)
  if (problem !== undefined) return problem
  if (payload === null || result[payload] != null) return undefined
  const kind = (TYPES[response].kinds as Record<string, MemberKind>)[payload]!
  if (kind.kind === 'struct' && finish(result as Outcome).State !== 'Error') return `it reported success but returned no ${payload}`
  return undefined
}

function structProblem(typeName: TypeName, value: Wire, path: string, hint = ''): string | undefined {
  const kinds = TYPES[typeName].kinds as Record<string, MemberKind>
  for (const member of Object.keys(value)) {
    const kind = Object.hasOwn(kinds, member) ? kinds[member] : undefined
    if (kind === undefined) return `${path}${member} is not a member of ${typeName}${hint}`
    const problem = memberProblem(kind, value[member], `${path}${member}`)
    if (problem !== undefined) return problem
  }
  return undefined
}

function memberProblem(kind: MemberKind, value: unknown, path: string): string | undefined {
  if (value == null) return undefined
  switch (kind.kind) {
    case 'array': {
      if (!Array.isArray(value)) return `${path} is ${describeValue(value)}, not an array`
      const item: MemberKind = kind.of === 'struct' ? { kind: 'struct', type: kind.type! } : kind.of === 'enum' ? { kind: 'enum', type: kind.type! } : { kind: kind.of }
      for (let i = 0; i < value.length; i++) {
        const problem = memberProblem(item, value[i], `${path}[${i}]`)
        if (problem !== undefined) return problem
      }
      return undefined
    }
    case 'struct':
      return isPlainRecord(value) ? structProblem(kind.type as TypeName, value, `${path}.`) : `${path} is ${describeValue(value)}, not an object (${kind.type})`
    case 'dictionary':
      if (!(value instanceof Map)) return `${path} is ${describeValue(value)}, not a Map of strings`
      for (const [key, entry] of value) {
        if (typeof key !== 'string') return `${path} has a key that is ${describeValue(key)}, not a string`
        if (entry != null && typeof entry !== 'string') return `${path} ${describeInput(key)} is ${describeValue(entry)}, not a string`
      }
      return undefined
    case 'string':
    case 'enum':
      return typeof value === 'string' ? undefined : `${path} is ${describeValue(value)}, not a string`
    case 'int':
      return Number.isInteger(value) ? undefined : `${path} is ${describeValue(value)}, not an integer`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${path} is ${describeValue(value)}, not a boolean`
  }
}

function isPlainRecord(value: unknown): value is Wire {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map)
}

/** A returned value as an admin reads it in an explanation: its kind, a string quoted and clipped. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Map) return 'a Map'
  if (typeof value === 'string') return `the string ${describeInput(value)}`
  if (typeof value === 'number') return `the number ${value}`
  return describeInput(value)
}

function actorType(value: string): string {
  if (!value) throw invalidRequest(`The request has no ActorType. Use one of ${ACTOR_TYPES.join(', ')}.`)
  if (!(ACTOR_TYPES as readonly string[]).includes(value)) {
    throw invalidRequest(`"${value}" is not an actor type SuperOffice knows. Use one of ${ACTOR_TYPES.join(', ')}.`)
  }
  return value
}
