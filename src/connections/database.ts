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
}

export interface DatabaseOptions {
  /** postgres://… ; unset means embedded. */
  databaseUrl?: string | undefined
  /** Folder of the embedded database; unset means in memory (tests). */
  embeddedDir?: string | undefined
  /** Upper bound on waiting for a pooled connection and on each statement, in ms. */
  timeoutMs?: number
  onPoolError?: (error: Error) => void
}

/**
 * @example
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, embeddedDir: 'data/db' })
 * await migrateToLatest(database.db)
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeoutMs = options.timeoutMs ?? 5000
  if (options.databaseUrl) {
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
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) })
    return { db, backend: 'postgres', location: redact(options.databaseUrl) }
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
