/**
 * The package's public entry (`import … from 'erp-connector-ws'`): what a connector author writes against, and what
 * starts a server with connectors of one's choice. The server itself starts with `erp-connector-ws start` (or `npm start`), serving
 * the connectors CONNECTORS names; see README, "Writing a connector".
 */

// The connector interface, and the wire types it carries.
export type {
  Args,
  CacheStats,
  CallContext,
  Complete,
  Connection,
  ConnectorLogger,
  ConnectorMethods,
  ErpActor,
  ErpConnector,
  FieldMetadata,
  FieldValues,
  Method,
  Outcome,
  ResultOf,
  SearchRestriction,
} from './connector/connector.js'
export type { ErpActorWS, FieldAccessInfoWS, FieldMetadataInfoWS, FieldMetadataTypeInfoWS, ResponseStateWS } from '../generated/types.js'
export { ACTOR_TYPES } from './connector/host.js'

// Field metadata, built with defaults applied.
export { field, ranked, type FieldAccess, type FieldOptions } from './connector/fields.js'

// Connector modules named in CONNECTORS: the default export's contract.
export type { ConnectorFactory, ConnectorOptions } from './connectors/registry.js'

// Errors and their codes, declared once.
export { ConnectorFailure, ErrorCode, invalidRequest, notSupported, type ErrorCodeValue } from './connector/errors.js'

// SuperOffice's value encodings ([I:…], [F:…], [DT:…], [D:…]), and field values by field type; also alone, as
// erp-connector-ws/encoding.
export * from './encoding/index.js'

// Search matching: advanced-search restrictions and the plain text search, as the Excel connector runs them.
export { compileRestriction, containsText, OPERATORS_BY_TYPE, storedAsText, type Predicate, type StoredValue } from './connectors/excel/search.js'

// Starting a server as `npm start` does, with connectors of your choice, and the connectors this server ships.
export { startServer, type StartedServer, type StartOptions } from './start.js'
export { ConfigError } from './config.js'
export { DatabaseStartError, StartupError } from './startup.js'
export { createExcelConnector, type ExcelConnectorOptions } from './connectors/excel/connector.js'
export { createMemoryConnector, type MemoryConnectorOptions } from './connectors/memory.js'
export { ENDPOINT_PATH } from './server.js'
