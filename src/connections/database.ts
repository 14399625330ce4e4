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

// Beside this module's tree: migrations/*.ts from the source, dist/migrations/*.js compiled (never the .d.ts).
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
  /**
   * Sessions that hold advisory locks, apart from the pool that serves queries: a call waiting for a lock must not
   * take a connection other calls need. Ended with `db`.
   */
  lockSessions?: pg.Pool
  /** The pool that serves queries, for its counts on /metrics (Kysely sees it wrapped). */
  queryPool?: pg.Pool
  /**
   * Ends the pools and stops an embedded cluster. Use it rather than `db.destroy()`, which does nothing when no
   * query has run yet (Kysely then never set its driver up), leaving the pools open and the cluster running.
   */
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** postgres://… */
  databaseUrl: string
  /** Set for the embedded cluster: its folder, shown instead of the URL, and how to stop it once the pool has ended. */
  embedded?: { location: string; stop: () => Promise<void> }
  /** Upper bound on waiting for a pooled connection and on each statement, in ms. */
  timeoutMs?: number
  /** A connection lost or broken, idle or in use; the process goes on, and the connection is replaced. */
  onPoolError?: (error: Error) => void
}

/** Sessions that may hold advisory locks at once, per process. */
const LOCK_SESSIONS = 4
/** A pooled session unused this long is closed: an idle server holds no database session. */
export const POOL_IDLE_TIMEOUT_MS = 30_000

/**
 * @example
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL })
 * await migrateToLatest(database.db)
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? 5000
  const settings = {
    connectionString: options.databaseUrl,
    connectionTimeoutMillis: timeoutMs,
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
  }
  const pool = listenedPool(new pg.Pool({ ...settings, max: 10 }), options.onPoolError)
  const lockSessions = listenedPool(new pg.Pool({ ...settings, max: LOCK_SESSIONS }), options.onPoolError)
  const embedded = options.embedded
  // Kysely's destroy() ends the pools; an embedded cluster stops after its last connection has closed.
  const kyselyPool = destroyingFailedClients(pool, lockSessions, embedded?.stop)
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: kyselyPool }) })
  const close = async () => {
    await db.destroy()
    await kyselyPool.end()
  }
  return embedded
    ? { db, backend: 'embedded', location: embedded.location, lockSessions, queryPool: pool, close }
    : { db, backend: 'postgres', location: redact(options.databaseUrl), lockSessions, queryPool: pool, close }
}

/**
 * A pg client with no 'error' listener ends the process when its connection breaks: pg-pool listens only while a
 * client is idle, so every client gets a listener of its own, for its whole life.
 */
function listenedPool(pool: pg.Pool, onError: ((error: Error) => void) | undefined): pg.Pool {
  // pg-pool re-emits an idle client's error on the pool, which then needs a listener too; the client's own reports it.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', (error) => onError?.(error)))
  return pool
}

/**
 * The pool Kysely uses, except that a client whose query failed is destroyed on release instead of going back to
 * the pool: after a query timeout the server may still be running the query (or never answer), and the next
 * borrower would wait behind it. Ending it also ends `alsoEnd`, then runs `afterEnd`.
 */
function destroyingFailedClients(pool: pg.Pool, alsoEnd: pg.Pool, afterEnd?: () => Promise<void>) {
  // Ended once, whether by Kysely's destroy() or by Database.close() after it.
  let ending: Promise<void> | undefined
  const endOnce = async () => {
    try {
      await Promise.all([pool.end(), alsoEnd.end()])
    } finally {
      await afterEnd?.()
    }
  }
  return {
    async connect() {
      const client = await pool.connect()
      let failure: Error | undefined
      const noteFailure = (error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error))
      }
      return {
        query(...args: unknown[]) {
          const result = (client.query as (...a: unknown[]) => unknown)(...args)
          if (result instanceof Promise) result.catch(noteFailure)
          else if (result && typeof (result as { on?: unknown }).on === 'function') (result as NodeJS.EventEmitter).on('error', noteFailure)
          return result
        },
        release: () => client.release(failure),
      }
    },
    end() {
      ending ??= endOnce()
      return ending
    },
  } as unknown as pg.Pool & { end(): Promise<void> }
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
