/**
 * The interface an ERP connector implements: the TypeScript counterpart of SuperOffice's `IErpConnector`
 * (contract doc section 6). The host (host.ts) unpacks each SOAP request into these arguments, finds the stored
 * connection for the GUID, and writes what the method returns back in wire form; connectors never see XML.
 *
 * Results use the wire names (`State`, `Actors`, ...). `IsOk` is optional and always made consistent with `State`
 * by the host; a thrown error becomes the `State=Error` result SuperOffice's own host would send.
 */
import type * as T from '../../generated/types.js'

/** FieldKey to encoded value (contract section 9), in the order received. */
export type FieldValues = Map<string, string | null>

/** A saved connection: what SuperOffice sent in WSSaveConnection, found again by its GUID. */
export interface Connection {
  /** Lower-case D-format GUID. */
  readonly id: string
  readonly connectorName: string
  readonly config: ReadonlyMap<string, string | null>
}

/** An actor as a connector receives it: every member present, SuperOffice's defaults filled in. */
export interface ErpActor {
  ActorType: string
  ErpKey: string
  FieldValues: FieldValues
  LastModified: string
  ParentActorType: string
  ParentErpKey: string
}

/** One advanced-search restriction; `values` already falls back to ScalarValue when Values is empty. */
export interface SearchRestriction {
  fieldKey: string
  operator: string
  values: string[]
}

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
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>
}

export type Outcome = Omit<T.ConnectorResultBase, 'IsOk'> & { IsOk?: boolean }
/** A result: an outcome plus, when the call succeeded, its payload. */
export type Result<Payload extends object = object> = Outcome & Partial<Payload>

export type FieldsResult = Result<{ FieldMetaDataObjects: T.FieldMetadataInfoWS[] }>
export type ItemsResult = Result<{ Items: string[] }>
export type ActorsResult = Result<{ Actors: T.ErpActorWS[] }>
export type ActorResult = Result<{ Actor: T.ErpActorWS }>
export type ListItemsResult = Result<{ ListItems: Map<string, string | null> }>

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
 * @example
 * const connector: ErpConnector = {
 *   name: 'Acme.Erp',
 *   async getConfigData() { return { FieldMetaDataObjects: [{ FieldKey: 'Server', FieldType: 'Text', Access: 'Mandatory', Rank: 1 }] } },
 *   async testConfigData(ctx, config) { return config.get('Server') ? {} : { State: 'Error', UserExplanation: 'Server is missing.' } },
 *   // ...one method per operation
 * }
 */
export interface ErpConnector {
  readonly name: string
  /** Release what the connector holds (workers, files, pools) when the server stops. */
  close?(): Promise<void>
  /** For /metrics, read at each scrape: how a connector that keeps parsed files in memory is served by them. */
  cacheStats?(): CacheStats
  getConfigData(ctx: CallContext): Promise<FieldsResult>
  /** Check a configuration without storing anything. */
  testConfigData(ctx: CallContext, config: ReadonlyMap<string, string | null>): Promise<Result>
  /**
   * Prepare a connection about to be stored (validate, create files...). An Error result stops the save;
   * otherwise the host stores the configuration under the GUID and answers with this result.
   */
  saveConnection(ctx: CallContext, connection: Connection): Promise<Result>
  testConnection(ctx: CallContext, connection: Connection): Promise<Result>
  /** Clean up before the host forgets the connection. */
  deleteConnection(ctx: CallContext, connection: Connection): Promise<Result>
  getSupportedActorTypes(ctx: CallContext, connection: Connection): Promise<ItemsResult>
  getSupportedActorTypeFields(ctx: CallContext, connection: Connection, actorType: string): Promise<FieldsResult>
  getActors(ctx: CallContext, connection: Connection, actorType: string, erpKeys: string[], fieldKeys: string[]): Promise<ActorsResult>
  getSearchableFields(ctx: CallContext, connection: Connection, actorType: string): Promise<ItemsResult>
  searchActorsAdvanced(
    ctx: CallContext,
    connection: Connection,
    actorType: string,
    restrictions: SearchRestriction[],
    fieldKeys: string[],
  ): Promise<ActorsResult>
  searchActors(ctx: CallContext, connection: Connection, actorType: string, searchText: string, fieldKeys: string[]): Promise<ActorsResult>
  searchActorByParent(
    ctx: CallContext,
    connection: Connection,
    actorType: string,
    searchText: string,
    parentActorType: string,
    parentActorErpKey: string,
    fieldKeys: string[],
  ): Promise<ActorsResult>
  createActor(ctx: CallContext, connection: Connection, actor: ErpActor): Promise<ActorResult>
  saveActors(ctx: CallContext, connection: Connection, actors: ErpActor[]): Promise<ActorsResult>
  /** `connection` is null for the all-zero GUID: SuperOffice Admin asking for a configuration list. */
  getList(ctx: CallContext, connection: Connection | null, listName: string): Promise<ListItemsResult>
  getListItems(ctx: CallContext, connection: Connection | null, listName: string, listItemKeys: string[]): Promise<ListItemsResult>
  getActorsByTimestamp(
    ctx: CallContext,
    connection: Connection,
    updatedOnOrAfter: string,
    actorType: string,
    fieldKeys: string[],
  ): Promise<ActorsResult>
}
