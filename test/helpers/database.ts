/**
 * A fresh PostgreSQL database per test file, on the server named by TEST_DATABASE_URL (default: this machine's
 * PostgreSQL), dropped again at teardown; or an embedded cluster in a temporary DATA_DIR, removed at teardown.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { migrateToLatest, openDatabase, type Database } from '../../src/connections/database.js'
import { runningClusterUrl } from '../../src/connections/embedded-cluster.js'
import { openEmbeddedDatabase } from '../../src/connections/from-config.js'

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  database: Database
  /** Where another process or pool reaches the same database (with its password). */
  url: string
  drop(): Promise<void>
}

export type Backend = 'postgres' | 'embedded'

/** Opens (and migrates) a database that only this test file uses. */
export async function createTestDatabase(backend: Backend = 'postgres'): Promise<TestDatabase> {
  if (backend === 'embedded') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-embedded-'))
    const database = await openEmbeddedDatabase({ dataDir, timeoutMs: 3000 })
    await migrateToLatest(database.db)
    return {
      database,
      url: (await runningClusterUrl(dataDir))!,
      async drop() {
        await database.db.destroy().catch(() => undefined)
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
  const name = `erp_test_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString(), timeoutMs: 3000 })
  await migrateToLatest(database.db)
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.db.destroy().catch(() => undefined)
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
