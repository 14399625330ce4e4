/**
 * Opens the connection database through a `pg` pool: the PostgreSQL server in DATABASE_URL, or the embedded
 * cluster this process runs in DATA_DIR (embedded-cluster.ts). Both go through the same pool, Kysely dialect and
 * migrations.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileMigrationProvider, Kysely, Migrator, PostgresDialect, type Generated, type MigrationResultSet } from 'kysely'
import pg from 'pg'

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** Stored configuration value: as received, null, or sealed with the connection secret key. */
export type StoredValue = string | null | { encrypted: string }

export interface ConnectionsTable {
  id: string
  connector_name: string
  config: Record<string, StoredValue>
  config_keys: string[]
  created_at: Generated<Date>
  updated_at: Generated<Date>
  deleted_at: Date | null
  last_used_at: Date | null
  last_state: string | null
  last_error_at: Date | null
  last_error: string | null
}

export interface Tables {
  connections: ConnectionsTable
}

export interface Database {
  db: Kysely<Tables>
  backend: 'postgres' | 'embedded'
  /** Where the data lives, for logs and /healthz (no password). */
  location: string
}

export interface DatabaseOptions {
  /** postgres://… */
  databaseUrl: string
  /** Set for the embedded cluster: its folder, shown instead of the URL, and how to stop it once the pool has ended. */
  embedded?: { location: string; stop: () => Promise<void> }
  /** Upper bound on waiting for a pooled connection and on each statement, in ms. */
  timeoutMs?: number
  onPoolError?: (error: Error) => void
}

/**
 * @example
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL })
 * await migrateToLatest(database.db)
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? 5000
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
  })
  // An idle client losing its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => options.onPoolError?.(error))
  const embedded = options.embedded
  if (embedded) {
    // Kysely's destroy() ends the pool; the cluster stops after its last connection has closed.
    const end = pool.end.bind(pool)
    pool.end = (async () => {
      try {
        await end()
      } finally {
        await embedded.stop()
      }
    }) as typeof pool.end
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })
  return embedded ? { db, backend: 'embedded', location: embedded.location } : { db, backend: 'postgres', location: redact(options.databaseUrl) }
}

export async function migrateToLatest(db: Kysely<Tables>): Promise<MigrationResultSet> {
  return check(await migrator(db).migrateToLatest())
}

export async function migrateDown(db: Kysely<Tables>): Promise<MigrationResultSet> {
  return check(await migrator(db).migrateDown())
}

/** Applies or undoes migrations until `name` is the latest one applied (used to import older data). */
export async function migrateTo(db: Kysely<Tables>, name: string): Promise<MigrationResultSet> {
  return check(await migrator(db).migrateTo(name))
}

function migrator(db: Kysely<Tables>): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS }) })
}

function check(result: MigrationResultSet): MigrationResultSet {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName
    const message = result.error instanceof Error ? result.error.message : String(result.error)
    throw new Error(failed ? `Database migration ${failed} failed: ${message}` : `Could not migrate the database: ${message}`, {
      cause: result.error,
    })
  }
  return result
}

function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres (unparseable URL)'
  }
}
