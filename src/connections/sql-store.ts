/**
 * The connection store in PostgreSQL (real or embedded), one row per connection GUID in `connections`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type pg from 'pg'
import type { Connection } from '../connector/connector.js'
import { migrateToLatest, type Database, type StoredValue } from './database.js'
import { SecretKeyError, type SecretBinding, type SecretBox } from './secrets.js'
import { LockWaitTimeout, type CallOutcome, type ConnectionStore, type SaveOptions, type StoreHealth } from './store.js'

export interface SqlConnectionStoreOptions {
  /** Seals Password values; without it they are stored as received. */
  secrets?: SecretBox | undefined
  /**
   * Run the migrations before the first use, once; while the database cannot be reached, each use tries again (and
   * fails as the database does).
   */
  migrate?: boolean
  /** Longest wait in `exclusive` for another holder of the key, in ms. */
  lockWaitMs?: number
  /** How long uses are gathered before they are written together, in ms. */
  useFlushMs?: number
  /** Problems no caller waits for (a lock that could not be released cleanly). */
  warn?: (details: object, message: string) => void
}

export const DEFAULT_LOCK_WAIT_MS = 30_000
const DEFAULT_USE_FLUSH_MS = 1000

interface PendingUse {
  id: string
  used_at: string
  state: string
  error_at: string | null
  error: string | null
}

export class SqlConnectionStore implements ConnectionStore {
  private readonly localLocks = new Map<string, Promise<void>>()
  private migrated: Promise<void> | undefined
  private uses = new Map<string, PendingUse>()
  private usesWritten: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined
  private useTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly database: Database,
    private readonly options: SqlConnectionStoreOptions = {},
  ) {}

  /** Resolves once the schema is ready (see the `migrate` option); rejects with the database's error meanwhile. */
  ready(): Promise<void> {
    if (!this.options.migrate) return Promise.resolve()
    this.migrated ??= migrateToLatest(this.database.db).then(
      () => undefined,
      (error: unknown) => {
        this.migrated = undefined
        throw error
      },
    )
    return this.migrated
  }

  /** One statement: concurrent saves of one GUID leave one row holding exactly one of the configurations. */
  async save(connection: Connection, options: SaveOptions = {}): Promise<void> {
    // No prototype: a FieldKey such as "__proto__" must be stored as the key it is.
    const config: Record<string, StoredValue> = Object.create(null)
    const secrets = this.options.secrets
    for (const [key, value] of connection.config) {
      config[key] = value !== null && secrets && options.secretFields?.has(key) ? { encrypted: secrets.seal(value, { connectionId: connection.id, fieldKey: key }) } : value
    }
    const row = {
      id: connection.id,
      connector_name: connection.connectorName,
      config: JSON.stringify(config) as unknown as Record<string, StoredValue>,
      config_keys: [...connection.config.keys()],
    }
    await this.ready()
    await this.database.db
      .insertInto('connections')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          connector_name: (eb) => eb.ref('excluded.connector_name'),
          config: (eb) => eb.ref('excluded.config'),
          config_keys: (eb) => eb.ref('excluded.config_keys'),
          updated_at: sql`now()`,
          deleted_at: null,
        }),
      )
      .execute()
  }

  async find(id: string): Promise<Connection | undefined> {
    await this.ready()
    const row = await this.database.db
      .selectFrom('connections')
      .select(['id', 'connector_name', 'config', 'config_keys'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (!row) return undefined
    const config = new Map<string, string | null>()
    for (const key of row.config_keys) {
      config.set(key, this.reveal(Object.hasOwn(row.config, key) ? row.config[key]! : null, { connectionId: row.id, fieldKey: key }))
    }
    return { id: row.id, connectorName: row.connector_name, config }
  }

  async delete(id: string): Promise<boolean> {
    await this.ready()
    const result = await this.database.db
      .updateTable('connections')
      .set({ deleted_at: sql`now()` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  recordUse(id: string, outcome: CallOutcome): Promise<void> {
    const at = new Date().toISOString()
    const failed = outcome.state === 'Error'
    const earlier = this.uses.get(id)
    this.uses.set(id, {
      id,
      used_at: at,
      state: outcome.state,
      error_at: failed ? at : (earlier?.error_at ?? null),
      error: failed ? [outcome.errorCode, outcome.explanation].filter(Boolean).join(': ') : (earlier?.error ?? null),
    })
    if (!this.usesWritten) {
      let resolve!: () => void
      let reject!: (error: unknown) => void
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
      // Callers may ignore the outcome of a use's record: that must not be an unhandled rejection.
      promise.catch(() => undefined)
      this.usesWritten = { promise, resolve, reject }
      this.useTimer = setTimeout(() => void this.flushUses(), this.options.useFlushMs ?? DEFAULT_USE_FLUSH_MS)
      this.useTimer.unref()
    }
    return this.usesWritten.promise
  }

  /** Writes the uses gathered so far in one statement (rows in id order, so that two servers never deadlock). */
  private async flushUses(): Promise<void> {
    const written = this.usesWritten
    const batch = [...this.uses.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
    clearTimeout(this.useTimer)
    this.uses = new Map()
    this.usesWritten = undefined
    if (!written) return
    try {
      await this.ready()
      await sql`
        update connections as c
        set last_used_at = u.used_at, last_state = u.state,
            last_error_at = coalesce(u.error_at, c.last_error_at), last_error = coalesce(u.error, c.last_error)
        from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb)
          as u(id uuid, used_at timestamptz, state text, error_at timestamptz, error text)
        where c.id = u.id`.execute(this.database.db)
      written.resolve()
    } catch (error) {
      written.reject(error)
    }
  }

  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const waitMs = this.options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS
    const deadline = Date.now() + waitMs
    // Callers in this process queue here first, so that one process holds at most one lock session per key.
    const previous = this.localLocks.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    const tail = previous.then(() => mine)
    this.localLocks.set(key, tail)
    try {
      await untilDeadline(previous, deadline, () => new LockWaitTimeout(key, waitMs))
      // Without lock sessions (a database given without them) the local queue is the whole lock.
      const sessions = this.database.lockSessions
      if (!sessions) return await work()
      const session = await this.advisoryLock(sessions, key, deadline, waitMs)
      try {
        return await work()
      } finally {
        await this.advisoryUnlock(session, key)
      }
    } finally {
      release()
      if (this.localLocks.get(key) === tail) this.localLocks.delete(key)
    }
  }

  /**
   * Takes the cross-process lock on `key` in a session of its own. Between tries no session is held, and each try
   * returns at once, so a wait neither holds a connection nor meets the statement timeout.
   */
  private async advisoryLock(sessions: pg.Pool, key: string, deadline: number, waitMs: number): Promise<pg.PoolClient> {
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      // Every lock session in use (other keys held): waiting in the pool's queue would not see the deadline.
      const full = sessions.totalCount >= (sessions.options.max ?? 10) && sessions.idleCount === 0
      if (!full) {
        const session = await sessions.connect()
        let locked: boolean
        try {
          const result = await session.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key])
          locked = result.rows[0]?.locked === true
        } catch (error) {
          session.release(error instanceof Error ? error : true)
          throw error
        }
        if (locked) return session
        session.release()
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new LockWaitTimeout(key, waitMs)
      await sleep(Math.min(pause, left))
    }
  }

  /** Never throws: the work is done, and its answer stands. A session that cannot unlock is ended, which unlocks. */
  private async advisoryUnlock(session: pg.PoolClient, key: string): Promise<void> {
    try {
      const result = await session.query<{ unlocked: boolean }>('select pg_advisory_unlock(hashtextextended($1, 0)) as unlocked', [key])
      if (result.rows[0]?.unlocked !== true) throw new Error('the session no longer held the lock')
      session.release()
    } catch (error) {
      session.release(error instanceof Error ? error : true)
      this.options.warn?.({ err: error, lock: key }, 'could not release a lock cleanly; its database session was ended, which releases it')
    }
  }

  async health(): Promise<StoreHealth> {
    const base = { backend: this.database.backend, location: this.database.location }
    try {
      await this.ready()
      await sql`select 1`.execute(this.database.db)
      return { ok: true, ...base }
    } catch (error) {
      return { ok: false, ...base, detail: error instanceof Error ? error.message : String(error) }
    }
  }

  async close(): Promise<void> {
    await this.flushUses()
    await this.database.close()
  }

  /**
   * Re-seals every stored secret that is not yet sealed with the first key of `secrets` (in the current format), in
   * one transaction (deleted connections too), and seals plain values of Password fields for the first time. The
   * rows are locked while it runs, so a concurrent save waits and then writes over it, never under it. Values it
   * cannot open are left as they are and listed; running it again re-seals nothing more.
   */
  async resealSecrets(
    secrets: SecretBox,
    passwordFieldsOf: (connectorName: string) => ReadonlySet<string> | undefined,
  ): Promise<{ connections: number; resealed: number; sealed: number; unreadable: Array<{ connectionId: string; fieldKey: string; reason: string }> }> {
    return this.database.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('connections').select(['id', 'connector_name', 'config']).forUpdate().execute()
      let resealed = 0
      let sealed = 0
      const unreadable: Array<{ connectionId: string; fieldKey: string; reason: string }> = []
      for (const row of rows) {
        const secretFields = passwordFieldsOf(row.connector_name)
        const config: Record<string, StoredValue> = Object.create(null)
        let changed = false
        for (const [key, value] of Object.entries(row.config)) {
          const binding = { connectionId: row.id, fieldKey: key }
          config[key] = value
          if (value !== null && typeof value === 'object') {
            if (secrets.isCurrent(value.encrypted)) continue
            try {
              config[key] = { encrypted: secrets.seal(secrets.open(value.encrypted, binding), binding) }
            } catch (error) {
              if (!(error instanceof SecretKeyError)) throw error
              unreadable.push({ ...binding, reason: error.message })
              continue
            }
            resealed++
            changed = true
          } else if (typeof value === 'string' && secretFields?.has(key)) {
            config[key] = { encrypted: secrets.seal(value, binding) }
            sealed++
            changed = true
          }
        }
        if (changed) {
          await trx
            .updateTable('connections')
            .set({ config: JSON.stringify(config) as unknown as Record<string, StoredValue> })
            .where('id', '=', row.id)
            .execute()
        }
      }
      return { connections: rows.length, resealed, sealed, unreadable }
    })
  }

  private reveal(value: StoredValue, binding: SecretBinding): string | null {
    if (value === null || typeof value === 'string') return value
    if (!this.options.secrets) {
      throw new SecretKeyError('A stored Password value is encrypted, but CONNECTION_SECRET_KEY is not set: set the key it was saved with')
    }
    return this.options.secrets.open(value.encrypted, binding)
  }
}

/** Waits for `promise`, or throws what `timeout` makes when the deadline comes first. */
async function untilDeadline(promise: Promise<void>, deadline: number, timeout: () => Error): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), Math.max(0, deadline - Date.now()))
  })
  try {
    await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}
