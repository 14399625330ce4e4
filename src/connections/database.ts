/**
 * Opens the connection database: real PostgreSQL through a `pg` pool when DATABASE_URL is set, otherwise an
 * embedded PostgreSQL (PGlite) in DATA_DIR. Both go through the same Kysely dialect and the same migrations.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
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
  /** The embedded engine, when there is one (to expose it to psql). */
  embedded?: PGlite
  /**
   * Sessions that hold advisory locks (postgres only), apart from the pool that serves queries: a call waiting for
   * a lock must not take a connection other calls need. Ended with `db`.
   */
  lockSessions?: pg.Pool
}

export interface DatabaseOptions {
  /** postgres://… ; unset means embedded. */
  databaseUrl?: string | undefined
  /** Folder of the embedded database; unset means in memory (tests). */
  embeddedDir?: string | undefined
  /** Upper bound on waiting for a pooled connection and on each statement, in ms. */
  timeoutMs?: number
  /** A connection lost or broken, idle or in use; the process goes on, and the connection is replaced. */
  onPoolError?: (error: Error) => void
}

/** Sessions that may hold advisory locks at once, per process. */
const LOCK_SESSIONS = 4

/**
 * @example
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, embeddedDir: 'data/db' })
 * await migrateToLatest(database.db)
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? 5000
  if (options.databaseUrl) {
    const settings = {
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: timeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 1000,
    }
    const pool = listenedPool(new pg.Pool({ ...settings, max: 10 }), options.onPoolError)
    const lockSessions = listenedPool(new pg.Pool({ ...settings, max: LOCK_SESSIONS }), options.onPoolError)
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: destroyingFailedClients(pool, lockSessions) }) })
    return { db, backend: 'postgres', location: redact(options.databaseUrl), lockSessions }
  }
  let unlock = async () => {}
  if (options.embeddedDir) {
    await fs.mkdir(options.embeddedDir, { recursive: true })
    unlock = await lockEmbedded(options.embeddedDir)
  }
  let embedded: PGlite
  try {
    embedded = options.embeddedDir ? await PGlite.create(options.embeddedDir) : await PGlite.create()
  } catch (error) {
    await unlock()
    throw error
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: embeddedPool(embedded, unlock) as unknown as pg.Pool }) })
  return { db, backend: 'embedded', location: options.embeddedDir ?? 'memory', embedded }
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
 * borrower would wait behind it. Ending it also ends `alsoEnd`.
 */
function destroyingFailedClients(pool: pg.Pool, alsoEnd: pg.Pool) {
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
    async end() {
      await Promise.all([pool.end(), alsoEnd.end()])
    },
  } as unknown as pg.Pool
}

/**
 * The embedded engine must have one process at a time on its folder: a second one would corrupt it. A lock file
 * beside the folder holds the owner's pid; one left by a process that no longer runs is taken over.
 */
async function lockEmbedded(dir: string): Promise<() => Promise<void>> {
  const lock = `${path.resolve(dir)}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' })
      return async () => {
        await fs.unlink(lock).catch(() => undefined)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${owner}. Stop that process first, or set DATABASE_URL to share a PostgreSQL server between processes.`,
        )
      }
      await fs.unlink(lock).catch(() => undefined)
    }
  }
  throw new Error(`Could not take the lock ${lock} on the embedded database`)
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function migrateToLatest(db: Kysely<Tables>): Promise<MigrationResultSet> {
  return check(await migrator(db).migrateToLatest())
}

export async function migrateDown(db: Kysely<Tables>): Promise<MigrationResultSet> {
  return check(await migrator(db).migrateDown())
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

/**
 * PGlite is one session, so this pool hands it to one borrower at a time: Kysely's transactions then never
 * interleave. It has the slice of pg.Pool's interface that Kysely's PostgresDriver uses.
 */
function embeddedPool(engine: PGlite, unlock: () => Promise<void>) {
  let tail: Promise<void> = Promise.resolve()
  return {
    async connect() {
      let release!: () => void
      const done = new Promise<void>((resolve) => (release = resolve))
      const turn = tail
      tail = turn.then(() => done)
      await turn
      return {
        async query(text: string, parameters: unknown[]) {
          const result = await engine.query(text, parameters)
          const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase()
          return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows }
        },
        release: () => release(),
      }
    },
    async end() {
      await engine.close()
      await unlock()
    },
  }
}
