/**
 * The error results a connector call can end in, declared once. Codes are the exact wire strings SuperOffice knows
 * (SuperOffice.ErpSync.ConnectorWS.ResponseErrorCodes, typos included) plus this server's own, which SuperOffice
 * shows to the user as they are.
 */

/** Error codes on the wire. `UNKOWN_` is SuperOffice's spelling; keep it. */
export const ErrorCode = {
  /** No configuration is stored for the GUID: SuperOffice re-sends it (WSSaveConnection) and retries once. */
  UnknownConnectionId: 'UNKNOWN_CONNECTION_ID',
  UnknownFieldKey: 'UNKOWN_FIELDKEY',
  UnknownListItemId: 'UNKOWN_LISTITEM_ID',
  /** What SuperOffice's own host sends when a connector throws. */
  Exception: 'EX',
  /** The ConnectionGuid is missing or not a GUID. */
  InvalidConnectionId: 'INVALID_CONNECTION_ID',
  /** A request value is missing or invalid (an actor type, a field value, a search operator...). */
  InvalidRequest: 'INVALID_REQUEST',
  /** The connection store cannot be reached; the call can be retried later. */
  StoreUnavailable: 'CONNECTION_STORE_UNAVAILABLE',
  /** The ERP's data is being changed by someone else (a workbook being saved); the call can be retried shortly. */
  WorkbookBusy: 'WORKBOOK_BUSY',
  /** The connection store is overloaded (a statement or lock timeout, too many connections); retry in a moment. */
  StoreBusy: 'CONNECTION_STORE_BUSY',
  /** The connection store refused a request: a fault of this server, told in its log; retrying will not help. */
  StoreError: 'CONNECTION_STORE_ERROR',
  /** What the call changes (a workbook) stayed locked by another call or process too long; retry in a moment. */
  ResourceBusy: 'RESOURCE_BUSY',
  /** The connection's stored secrets cannot be opened with the configured CONNECTION_SECRET_KEY. */
  SecretKey: 'CONNECTION_SECRET_KEY',
  /** A stored secret is damaged, or was copied from another connection or field: it must be entered again. */
  SecretUnreadable: 'CONNECTION_SECRET_UNREADABLE',
  /** A connector cannot use the file name it was given (too long, too deep, a folder in it is a file...). */
  InvalidFilename: 'INVALID_FILENAME',
  /** The server creates no more files for connections: an operator limit (such as MAX_WORKBOOKS) is reached. */
  FileLimitReached: 'FILE_LIMIT_REACHED',
  /** The server's file system refused (permission, read-only, full, I/O error): the operator must act. */
  FileStorage: 'FILE_STORAGE_ERROR',
  /** A Warning: a stored value holds characters a SOAP answer cannot carry; they were replaced, the cell is named. */
  UnsendableValue: 'UNSENDABLE_VALUE',
  /** The connector does not implement the operation called. */
  NotSupported: 'NOT_SUPPORTED',
  /** The connector returned something the operation's contract does not allow: a fault its author must fix. */
  InvalidConnectorAnswer: 'INVALID_CONNECTOR_ANSWER',
} as const

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode]

/**
 * Thrown by a connector or the host to end a call with `State=Error` and a chosen code and explanation, instead of
 * the generic `EX` result that any other exception becomes.
 *
 * @example
 * throw new ConnectorFailure(ErrorCode.UnknownFieldKey, 'The field "FOO" does not exist for Customer.')
 */
export class ConnectorFailure extends Error {
  override readonly name = 'ConnectorFailure'
  constructor(
    readonly code: ErrorCodeValue | (string & {}),
    readonly userExplanation: string,
    readonly techExplanation = '',
  ) {
    super(userExplanation)
  }
}

export function unknownConnection(guid: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.UnknownConnectionId,
    `No connection with id ${guid} is stored on this connector. Save the connection again in SuperOffice Admin.`,
  )
}

export function invalidConnectionId(raw: string | null | undefined): ConnectorFailure {
  const shown = raw == null || raw === '' ? 'is missing' : `"${raw.length > 60 ? raw.slice(0, 57) + '...' : raw}" is not a GUID`
  return new ConnectorFailure(
    ErrorCode.InvalidConnectionId,
    `The ConnectionGuid ${shown}. Send the GUID SuperOffice generated for the connection, such as 3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf.`,
  )
}

/** Mirrors SuperOffice's multi-connector host (EisPluginLoader) for an unknown `?ConnectorName=`. */
export function unknownConnector(name: string, loaded: readonly string[]): ConnectorFailure {
  return new ConnectorFailure(ErrorCode.Exception, `Connector plugin ${name} not found; ${loaded.join(', ')} have been loaded`)
}

/** An operation the connector has no method for. */
export function notSupported(connector: string, operation: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.NotSupported,
    `The ${connector} connector does not support ${operation}. Do not use this feature with this connector, or ask its author to add it.`,
  )
}

/** What a connector returned breaks the operation's contract; `problem` names the member at fault. */
export function invalidConnectorAnswer(connector: string, operation: string, problem: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.InvalidConnectorAnswer,
    `The ${connector} connector answered ${operation} wrongly: ${problem}. This is a fault of the connector: tell its author.`,
  )
}

export function invalidRequest(explanation: string): ConnectorFailure {
  return new ConnectorFailure(ErrorCode.InvalidRequest, explanation)
}

export function storeUnavailable(detail: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.StoreUnavailable,
    'The connector cannot reach its database of connections right now; try again shortly.',
    withoutAddresses(detail),
  )
}

// Addresses in driver messages say where the database is; that is for the server's log, not the client.
function withoutAddresses(detail: string): string {
  return detail.replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\[[0-9a-f:]+\](:\d+)?/gi, '<address>')
}

export function storeBusy(detail: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.StoreBusy,
    'The connector\'s database of connections is too busy to answer right now; try again in a moment.',
    withoutAddresses(detail),
  )
}

/** Only the SQLSTATE goes to the caller: the database's message may quote stored values; the log has it. */
export function storeError(sqlState: string | undefined): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.StoreError,
    "The connector's database of connections refused a request. This is a fault of the connector server: its log has the details for the operator.",
    sqlState ? `SQLSTATE ${sqlState}` : '',
  )
}

export function resourceBusy(key: string, waitedSeconds: number): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.ResourceBusy,
    `The workbook (or record) this call changes, "${key}", is busy: another call or process kept it locked for ${waitedSeconds} s. Nothing was changed; try again in a moment.`,
  )
}

export function secretKeyMismatch(detail: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.SecretKey,
    "The connector cannot open this connection's stored password: the server's CONNECTION_SECRET_KEY is not the key it was saved with. Ask the operator to set the right key, or save the connection again.",
    detail,
  )
}

export function secretUnreadable(detail: string): ConnectorFailure {
  return new ConnectorFailure(
    ErrorCode.SecretUnreadable,
    "The connector cannot open this connection's stored password: the stored value was changed, or copied from another connection or field, in the connector's database. Enter the password again in SuperOffice Admin (edit the connection and save it).",
    detail,
  )
}
