/**
 * The interface an ERP connector implements: the TypeScript counterpart of SuperOffice's `IErpConnector`
 * (contract doc section 6). Each operation is one optional method `(ctx, args)`; its arguments and result are typed
 * from the generated request and response types (generated/types.ts, generated/contract.ts), with SuperOffice's
 * defaults applied and no wire-only nullability: strings are '' rather than null, arrays [] rather than null,
 * actors and fields have every member. The host (host.ts) does the rest: picking the connector, finding the
 * stored connection for the GUID, making IsOk agree with State, and writing the wire form.
 *
 * A thrown error becomes the `State=Error` result SuperOffice's own host would send; a method left out answers
 * `State=Error` with `ErrorCode=NOT_SUPPORTED` (except `saveConnection` and `deleteConnection`, which have nothing
 * to do by default).
 */
import type { OPERATIONS, OperationName } from '../../generated/contract.js'
import type { ErpConnectorWSOperations } from '../../generated/service.js'
import type * as T from '../../generated/types.js'

/**
 * A wire value as a connector handles it: every member present, strings '' rather than null, arrays [] rather
 * than null and without null items. Dictionary values keep null (a field value cleared is not an empty one).
 */
export type Complete<W> =
  W extends Map<infer K, infer V>
    ? Map<K, V>
    : W extends ReadonlyArray<infer I>
      ? Array<Complete<NonNullable<I>>>
      : W extends object
        ? { -readonly [K in keyof W]-?: Complete<NonNullable<W[K]>> }
        : W

/** FieldKey to encoded value (contract section 9), in the order received. */
export type FieldValues = Map<string, string | null>

/** A saved connection: what SuperOffice sent in WSSaveConnection, found again by its GUID. */
export interface Connection {
  /** Lower-case D-format GUID. */
  readonly id: string
  readonly connectorName: string
  readonly config: ReadonlyMap<string, string | null>
}

/** An actor as a connector receives and returns it; ActorType and ParentActorType default to 'Unknown', as in SuperOffice. */
export type ErpActor = Complete<T.ErpActorWS>

/** A field's metadata, every member present: build one with {@link field} from ./fields.js. */
export type FieldMetadata = Complete<T.FieldMetadataInfoWS>

/** One advanced-search restriction; `Values` already falls back to ScalarValue when the client sent no Values. */
export type SearchRestriction = Complete<T.SearchRestrictionInfoWS>

/** The slice of a pino/Fastify logger a connector may use (console works too). */
export interface ConnectorLogger {
  debug(details: object | string, message?: string): void
  info(details: object | string, message?: string): void
  warn(details: object | string, message?: string): void
  error(details: object | string, message?: string): void
}

export interface CallContext {
  log: ConnectorLogger
  /**
   * Runs `work` while no other call holding the same key runs, in this process or in any other process sharing
   * the connection database: for read-modify-write of a shared resource (a file, an ERP record).
   */
  exclusive<R>(key: string, work: () => Promise<R>): Promise<R>
}

/** How a call went: State (Ok when left out), explanations and ErrorCode. `IsOk` is made to agree with State. */
export type Outcome = Omit<T.ConnectorResultBase, 'IsOk'> & { IsOk?: boolean }

type Contract = typeof OPERATIONS
type Request<Op extends OperationName> = ErpConnectorWSOperations[Op]['request']
type Response<Op extends OperationName> = ErpConnectorWSOperations[Op]['response']

/** The configuration lists (GetList, GetListItems) are also asked for with the all-zero GUID, before any connection exists. */
type ConnectionOptional = 'WSGetList' | 'WSGetListItems'

type ConnectionArgument<Op extends OperationName> = Op extends ConnectionOptional
  ? { connection: Connection | null }
  : Contract[Op]['connectionGuid'] extends true
    ? { connection: Connection }
    : unknown

/**
 * The argument object of an operation: the request's members (ConnectionGuid aside), complete, plus the stored
 * `connection` when the request names one (for WSSaveConnection, the connection about to be stored).
 */
export type Args<Op extends OperationName> = {
  [K in Contract[Op]['arguments'][number] & keyof Request<Op>]-?: Complete<NonNullable<Request<Op>[K]>>
} & ConnectionArgument<Op>

type PayloadMember<Op extends OperationName> = Contract[Op]['payload'] & keyof Response<Op>

/** What an operation returns: an {@link Outcome} plus, when it succeeded, its payload (Actors, Items...). */
export type ResultOf<Op extends OperationName> = Outcome & { [K in PayloadMember<Op>]?: Complete<NonNullable<Response<Op>[K]>> }

/** A connector's method for an operation. */
export type Method<Op extends OperationName> = (ctx: CallContext, args: Args<Op>) => Promise<ResultOf<Op>> | ResultOf<Op>

/** One optional method per operation, named after it (`WSGetActors` → `getActors`), generated from the WSDL. */
export type ConnectorMethods = { [Op in OperationName as Contract[Op]['method']]?: Method<Op> }

export interface CacheStats {
  hits: number
  misses: number
  /** Files read and parsed (concurrent misses share one), and the time they took, file read included. */
  parses: number
  parseSeconds: number
}

/**
 * An ERP connector. Register instances with the host; `?ConnectorName=` on the endpoint URL picks one by `name`
 * (case-insensitive), and without it the first registered connector answers.
 *
 * - `getConfigData`, `testConfigData`: the configuration fields, and a check of values that stores nothing.
 * - `saveConnection`: prepare a connection about to be stored; an Error result stops the save.
 * - `deleteConnection`: clean up before the host forgets the connection.
 * - `getList`, `getListItems`: `args.connection` is null for the all-zero GUID (configuration lists).
 *
 * See README "Writing a connector" for a complete example.
 */
export interface ErpConnector extends ConnectorMethods {
  readonly name: string
  /** Release what the connector holds (workers, files, pools) when the server stops. */
  close?(): Promise<void>
  /** For /metrics, read at each scrape: how a connector that keeps parsed files in memory is served by them. */
  cacheStats?(): CacheStats
}
