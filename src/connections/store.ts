/**
 * Where the host keeps each connection's configuration, found again by GUID on every call (SuperOffice sends the
 * configuration only in WSSaveConnection).
 */
import type { Connection } from '../connector/connector.js'

export interface CallOutcome {
  state: string
  errorCode: string
  explanation: string
}

export interface ConnectionStore {
  /** Insert, or overwrite the record with the same id; a deleted record comes back to life. */
  save(connection: Connection, options?: SaveOptions): Promise<void>
  /** The live record, or undefined when none was saved or it was deleted. */
  find(id: string): Promise<Connection | undefined>
  /** Hide the record from the service (kept for audit). False when there was no live record. */
  delete(id: string): Promise<boolean>
  /**
   * Note that a call used the connection, and how it ended. Uses are gathered and written together, about once a
   * second (and at close); the promise settles when this one is written.
   */
  recordUse(id: string, outcome: CallOutcome): Promise<void>
  /**
   * Runs `work` while no other holder of the same key runs, in this process or in another process sharing the
   * database. The lock is released when `work` settles; waiting for it longer than the store's deadline throws
   * LockWaitTimeout.
   */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>
  /** Whether the store answers, for /healthz; never throws. */
  health(): Promise<StoreHealth>
  close(): Promise<void>
}

export interface SaveOptions {
  /** Configuration keys whose values are secrets (Password fields), to be sealed at rest when a key is set. */
  secretFields?: ReadonlySet<string>
}

export interface StoreHealth {
  ok: boolean
  backend: string
  location: string
  detail?: string
}

/** Another holder kept the key of `exclusive` for longer than the wait allowed; trying again later may succeed. */
export class LockWaitTimeout extends Error {
  override readonly name = 'LockWaitTimeout'
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`"${key}" stayed locked by another call or process for ${Math.round(waitedMs / 1000)} s`)
  }
}
