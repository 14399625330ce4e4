/**
 * The connection store in PostgreSQL (real or embedded), one row per connection GUID in `connections`.
 */
import { sql } from 'kysely'
import type { Connection } from '../connector/connector.js'
import type { Database, StoredValue } from './database.js'
import { SecretKeyError, type SecretBinding, type SecretBox } from './secrets.js'
import type { CallOutcome, ConnectionStore, SaveOptions, StoreHealth } from './store.js'

export interface SqlConnectionStoreOptions {
  /** Seals Password values; without it they are stored as received. */
  secrets?: SecretBox | undefined
}

export class SqlConnectionStore implements ConnectionStore {
  private readonly localLocks = new Map<string, Promise<void>>()

  constructor(
    private readonly database: Database,
    private readonly options: SqlConnectionStoreOptions = {},
  ) {}

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
    const result = await this.database.db
      .updateTable('connections')
      .set({ deleted_at: sql`now()` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async recordUse(id: string, outcome: CallOutcome): Promise<void> {
    const failed = outcome.state === 'Error'
    const error = failed ? [outcome.errorCode, outcome.explanation].filter(Boolean).join(': ') : null
    await this.database.db
      .updateTable('connections')
      .set({
        last_used_at: sql`now()`,
        last_state: outcome.state,
        ...(failed ? { last_error_at: sql`now()`, last_error: error } : {}),
      })
      .where('id', '=', id)
      .execute()
  }

  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    // Callers in this process queue here first, so that one process holds at most one database connection per key.
    const previous = this.localLocks.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    const tail = previous.then(() => mine)
    this.localLocks.set(key, tail)
    await previous
    try {
      // The embedded engine belongs to this process alone, so the local queue is the whole lock there.
      if (this.database.backend !== 'postgres') return await work()
      return await this.database.db.connection().execute(async (connection) => {
        await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(connection)
        try {
          return await work()
        } finally {
          await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection)
        }
      })
    } finally {
      release()
      if (this.localLocks.get(key) === tail) this.localLocks.delete(key)
    }
  }

  async health(): Promise<StoreHealth> {
    const base = { backend: this.database.backend, location: this.database.location }
    try {
      await sql`select 1`.execute(this.database.db)
      return { ok: true, ...base }
    } catch (error) {
      return { ok: false, ...base, detail: error instanceof Error ? error.message : String(error) }
    }
  }

  async close(): Promise<void> {
    await this.database.db.destroy()
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
