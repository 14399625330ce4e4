/**
 * The connector host: what SuperOffice's WCF host (ERPConnectorWS.cs + EisPluginLoader) does, for the generated
 * IErpConnectorWS operations. It picks the connector (`?ConnectorName=`), resolves the connection GUID through the
 * connection store, unpacks requests into plain arguments, and normalises every result so that what goes on the
 * wire is complete and consistent (IsOk matches State, every base part present, actor defaults filled in).
 */
import type { FastifyRequest } from 'fastify'
import type { ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'
import { classifyDatabaseError } from '../connections/availability.js'
import { SecretKeyError } from '../connections/secrets.js'
import { LockWaitTimeout, type CallOutcome, type ConnectionStore } from '../connections/store.js'
import type { SoapCallContext, SoapHandlers } from '../soap/plugin.js'
import type { CallContext, Connection, ConnectorLogger, ErpActor, ErpConnector, Result, SearchRestriction } from './connector.js'
import {
  ConnectorFailure,
  ErrorCode,
  invalidConnectionId,
  invalidRequest,
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

  function select(request: FastifyRequest): ErpConnector {
    const query = request.query as Record<string, unknown>
    const key = Object.keys(query).find((k) => k.toUpperCase() === 'CONNECTORNAME')
    const wanted = key === undefined ? undefined : String(query[key])
    if (wanted === undefined || wanted === '') return connectors[0]!
    const found = connectors.find((c) => c.name.toLowerCase() === wanted.toLowerCase())
    if (!found) throw unknownConnector(wanted, connectors.map((c) => c.name))
    return found
  }

  /**
   * The context for one call; `config` is the configuration in play. Its Password values are from then on masked
   * in everything the call logs (request.log included), answers (see `hide`) and records as its last error.
   */
  async function context(soap: SoapCallContext, connector?: ErpConnector, config?: ReadonlyMap<string, string | null>): Promise<CallContext> {
    const base: CallContext = { log: soap.request.log, exclusive: (key, work) => exclusive(soap.request.log, key, work) }
    if (!connector || !config) return base
    const secretKeys = await secretFieldsOf(connector, base)
    const masker = createMasker([...(callMaskers.get(soap.request)?.secrets ?? []), ...[...secretKeys].flatMap((key) => config.get(key) ?? [])])
    if (!masker) return base
    callMaskers.set(soap.request, masker)
    soap.request.log = maskingLogger(soap.request.log, masker)
    return { ...base, log: soap.request.log }
  }

  const callMaskers = new WeakMap<FastifyRequest, Masker>()

  /** What a call answers or throws, with its secrets masked (a no-op for calls with none). */
  function hide<R extends Base>(soap: SoapCallContext, result: R): R
  function hide(soap: SoapCallContext, result: unknown, thrown: true): unknown
  function hide(soap: SoapCallContext, result: unknown, thrown = false): unknown {
    const masker = callMaskers.get(soap.request)
    if (!masker) return result
    if (thrown) return masker.value(result)
    const base = result as Base
    return { ...base, UserExplanation: masker.text(base.UserExplanation ?? ''), TechExplanation: masker.text(base.TechExplanation ?? '') }
  }

  /** The handler, answering or throwing with the call's secrets masked (withConnection masks on its own). */
  function masked<Q, R extends Base>(handler: (request: Q, soap: SoapCallContext) => Promise<R> | R) {
    return async (request: Q, soap: SoapCallContext): Promise<R> => {
      try {
        return hide(soap, await handler(request, soap))
      } catch (error) {
        throw hide(soap, error, true)
      }
    }
  }

  // Field metadata does not change while the server runs: ask each connector once.
  const secretFieldCache = new Map<ErpConnector, Promise<Set<string>>>()
  function secretFieldsOf(connector: ErpConnector, ctx: CallContext): Promise<Set<string>> {
    let fields = secretFieldCache.get(connector)
    if (!fields) {
      fields = passwordFields(connector, ctx)
      fields.catch(() => secretFieldCache.delete(connector))
      secretFieldCache.set(connector, fields)
    }
    return fields
  }

  async function exclusive<T>(log: ConnectorLogger, key: string, work: () => Promise<T>): Promise<T> {
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

  async function connectionFor(connector: ErpConnector, rawGuid: string | null | undefined, log: ConnectorLogger): Promise<Connection> {
    const id = normalizeGuid(rawGuid)
    if (id === undefined) throw invalidConnectionId(rawGuid)
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

  function recordUse(connection: Connection, result: Base, soap: SoapCallContext): void {
    const outcome: CallOutcome = { state: result.State!, errorCode: result.ErrorCode ?? '', explanation: result.UserExplanation ?? '' }
    store.recordUse(connection.id, outcome).catch((error: unknown) => {
      soap.request.log.warn({ err: error, connectionGuid: connection.id }, 'could not record the use of a connection')
    })
  }

  /** Runs an operation that needs a stored connection, and records its outcome on that connection. */
  function withConnection<R extends Base>(
    rawGuid: string | null | undefined,
    soap: SoapCallContext,
    run: (connector: ErpConnector, ctx: CallContext, connection: Connection) => Promise<R>,
  ): Promise<R> {
    const connector = select(soap.request)
    return connectionFor(connector, rawGuid, soap.request.log).then(async (connection) => {
      let result: R
      try {
        result = hide(soap, await run(connector, await context(soap, connector, connection.config), connection))
      } catch (error) {
        const shown = hide(soap, error, true)
        recordUse(connection, errorResult(shown), soap)
        throw shown
      }
      recordUse(connection, result, soap)
      return result
    })
  }

  const handlers: SoapHandlers<Ops> = {
    async WSGetConfigData(_request, soap) {
      const result = await select(soap.request).getConfigData(await context(soap))
      return { ...finish(result), FieldMetaDataObjects: fieldsOrEmpty(result) }
    },
    async WSTestConfigData(request, soap) {
      const connector = select(soap.request)
      const config = request.ConnectionInfo ?? new Map()
      return finish(await connector.testConfigData(await context(soap, connector, config), config))
    },
    async WSSaveConnection(request, soap) {
      const connector = select(soap.request)
      const id = normalizeGuid(request.ConnectionGuid)
      if (id === undefined || id === EMPTY_GUID) throw invalidConnectionId(request.ConnectionGuid)
      const connection: Connection = { id, connectorName: connector.name, config: request.ConnectionInfo ?? new Map() }
      const ctx = await context(soap, connector, connection.config)
      const secretFields = await secretFieldsOf(connector, ctx)
      const result = finish(await connector.saveConnection(ctx, connection))
      if (result.State === 'Error') return result
      try {
        await store.save(connection, { secretFields })
      } catch (error) {
        throw storeFailure(error, soap.request.log)
      }
      return result
    },
    WSTestConnection: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => finish(await c.testConnection(ctx, conn))),
    async WSDeleteConnection(request, soap) {
      const connector = select(soap.request)
      const id = normalizeGuid(request.ConnectionGuid)
      if (id === undefined) throw invalidConnectionId(request.ConnectionGuid)
      let connection: Connection
      try {
        connection = await connectionFor(connector, id, soap.request.log)
      } catch (error) {
        // Deleting what is already gone succeeds: SuperOffice calls this only "in case the connector needs to know".
        if (error instanceof ConnectorFailure && error.code === ErrorCode.UnknownConnectionId) return finish({})
        throw error
      }
      const result = finish(await connector.deleteConnection(await context(soap, connector, connection.config), connection))
      if (result.State !== 'Error') {
        try {
          await store.delete(id)
        } catch (error) {
          throw storeFailure(error, soap.request.log)
        }
      }
      return result
    },
    WSGetSupportedActorTypes: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => {
        const result = await c.getSupportedActorTypes(ctx, conn)
        return { ...finish(result), Items: itemsOrEmpty(result) }
      }),
    WSGetSupportedActorTypeFields: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => {
        const result = await c.getSupportedActorTypeFields(ctx, conn, actorType(request.ActorType))
        return { ...finish(result), FieldMetaDataObjects: fieldsOrEmpty(result) }
      }),
    WSGetActors: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        actorsResult(await c.getActors(ctx, conn, actorType(request.ActorType), strings(request.ErpKeys), strings(request.FieldKeys))),
      ),
    WSGetSearchableFields: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => {
        const result = await c.getSearchableFields(ctx, conn, actorType(request.ActorType))
        return { ...finish(result), Items: itemsOrEmpty(result) }
      }),
    WSSearchActorsAdvanced: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        actorsResult(
          await c.searchActorsAdvanced(ctx, conn, actorType(request.ActorType), restrictions(request.Restrictions), strings(request.FieldKeys)),
        ),
      ),
    WSSearchActors: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        actorsResult(await c.searchActors(ctx, conn, actorType(request.ActorType), request.SearchText ?? '', strings(request.FieldKeys))),
      ),
    WSSearchActorByParent: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        actorsResult(
          await c.searchActorByParent(
            ctx,
            conn,
            actorType(request.ActorType),
            request.SearchText ?? '',
            request.ParentActorType ?? '',
            request.ParentActorErpKey ?? '',
            strings(request.FieldKeys),
          ),
        ),
      ),
    WSCreateActor: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => {
        if (!request.Actor) throw invalidRequest('The request has no Actor to create.')
        const actor = withActorDefaults(request.Actor)
        actorType(actor.ActorType)
        const result = await c.createActor(ctx, conn, actor)
        const base = finish(result)
        return { ...base, Actor: result.Actor ? withActorDefaults(result.Actor) : base.State === 'Error' ? null : missingPayload('Actor') }
      }),
    WSSaveActors: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) => {
        const actors = (request.Actors ?? []).filter(notNull).map(withActorDefaults)
        for (const actor of actors) actorType(actor.ActorType)
        return actorsResult(await c.saveActors(ctx, conn, actors))
      }),
    WSGetList: (request, soap) =>
      listCall(request.ConnectionGuid, soap, async (c, ctx, conn) => c.getList(ctx, conn, request.ListName ?? '')),
    WSGetListItems: (request, soap) =>
      listCall(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        c.getListItems(ctx, conn, request.ListName ?? '', strings(request.ListItemKeys)),
      ),
    WSGetActorsByTimestamp: (request, soap) =>
      withConnection(request.ConnectionGuid, soap, async (c, ctx, conn) =>
        actorsResult(
          await c.getActorsByTimestamp(ctx, conn, request.UpdatedOnOrAfter ?? '', actorType(request.ActorType), strings(request.FieldKeys)),
        ),
      ),
  }

  handlers.WSTestConfigData = masked(handlers.WSTestConfigData)
  handlers.WSSaveConnection = masked(handlers.WSSaveConnection)
  handlers.WSDeleteConnection = masked(handlers.WSDeleteConnection)

  /** GetList/GetListItems also serve configuration lists, for the all-zero GUID, with no connection. */
  async function listCall(
    rawGuid: string | null | undefined,
    soap: SoapCallContext,
    run: (connector: ErpConnector, ctx: CallContext, connection: Connection | null) => Promise<Result<{ ListItems: Map<string, string | null> }>>,
  ): Promise<T.ListItemArrayPluginResponse> {
    const shape = (result: Result<{ ListItems: Map<string, string | null> }>) => {
      const base = finish(result)
      return { ...base, ListItems: result.ListItems ?? (base.State === 'Error' ? null : new Map()) }
    }
    if (normalizeGuid(rawGuid) === EMPTY_GUID) {
      return shape(await run(select(soap.request), await context(soap), null))
    }
    return withConnection(rawGuid, soap, async (c, ctx, conn) => shape(await run(c, ctx, conn)))
  }

  return {
    handlers,
    errorResponse: (operation, error, log) => {
      // An expected failure is told by the per-call log line (state, errorCode); an exception needs its stack.
      if (error instanceof ConnectorFailure) log.debug({ operation, errorCode: error.code, explanation: error.userExplanation }, 'call failed')
      else log.error({ err: error, operation }, `${String(operation)} threw; answering State=Error, ErrorCode=EX`)
      return errorResult(error)
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
  const config = await connector.getConfigData(ctx)
  return new Set((config.FieldMetaDataObjects ?? []).filter((f) => f.FieldType === 'Password' && f.FieldKey).map((f) => f.FieldKey!))
}

/**
 * Makes a result safe to send: every base part present, and IsOk consistent with State. State is authoritative
 * (SuperOffice reads it last), except that IsOk=false without a State means the connector meant an error.
 */
export function finish(result: Result | undefined | void): Base {
  const r: Result = result ?? {}
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

export function withActorDefaults(actor: T.ErpActorWS): ErpActor {
  return {
    ActorType: actor.ActorType ?? 'Unknown',
    ErpKey: actor.ErpKey ?? '',
    FieldValues: actor.FieldValues ?? new Map(),
    LastModified: actor.LastModified ?? '',
    ParentActorType: actor.ParentActorType ?? 'Unknown',
    ParentErpKey: actor.ParentErpKey ?? '',
  }
}

function actorsResult(result: Result<{ Actors: T.ErpActorWS[] }>): T.ActorArrayPluginResponse {
  const base = finish(result)
  const actors = result.Actors?.filter(notNull).map(withActorDefaults)
  return { ...base, Actors: actors ?? (base.State === 'Error' ? null : []) }
}

function fieldsOrEmpty(result: Result<{ FieldMetaDataObjects: T.FieldMetadataInfoWS[] }>): T.FieldMetadataInfoWS[] | null {
  const fields = result.FieldMetaDataObjects
  if (!fields) return finish(result).State === 'Error' ? null : []
  // Value-typed members left out would be read as Checkbox/Normal/0 by .NET: always send them.
  return fields.map((f, index) => ({
    Access: f.Access ?? 'Normal',
    DefaultValue: f.DefaultValue ?? '',
    DisplayDescription: f.DisplayDescription ?? '',
    DisplayName: f.DisplayName ?? f.FieldKey ?? '',
    FieldKey: f.FieldKey ?? '',
    FieldType: f.FieldType ?? 'Text',
    ListName: f.ListName ?? '',
    MaxLength: f.MaxLength ?? 0,
    Rank: f.Rank ?? index + 1,
  }))
}

function itemsOrEmpty(result: Result<{ Items: string[] }>): string[] | null {
  return result.Items ?? (finish(result).State === 'Error' ? null : [])
}

function missingPayload(part: string): never {
  throw new Error(`the connector reported success but returned no ${part}`)
}

function actorType(value: string | null | undefined): string {
  if (!value) throw invalidRequest(`The request has no ActorType. Use one of ${ACTOR_TYPES.join(', ')}.`)
  if (!(ACTOR_TYPES as readonly string[]).includes(value)) {
    throw invalidRequest(`"${value}" is not an actor type SuperOffice knows. Use one of ${ACTOR_TYPES.join(', ')}.`)
  }
  return value
}

function strings(values: Array<string | null> | null | undefined): string[] {
  return (values ?? []).filter(notNull)
}

function restrictions(values: Array<T.SearchRestrictionInfoWS | null> | null | undefined): SearchRestriction[] {
  return (values ?? []).filter(notNull).map((r) => {
    const listed = strings(r.Values)
    return {
      fieldKey: r.FieldKey ?? '',
      operator: r.Operator ?? '',
      // Values is the real list; ScalarValue is its first item, serialised first (contract section 4.3).
      values: listed.length > 0 ? listed : r.ScalarValue != null ? [r.ScalarValue] : [],
    }
  })
}

function notNull<T>(value: T | null | undefined): value is T {
  return value != null
}
