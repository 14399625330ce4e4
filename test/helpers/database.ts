/**
 * A fresh PostgreSQL database per test file, on the server named by TEST_DATABASE_URL (default: this machine's
 * PostgreSQL), dropped again at teardown; or the embedded engine, in memory.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { migrateToLatest, openDatabase, type Database } from '../../src/connections/database.js'

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  database: Database
  url: string | undefined
  drop(): Promise<void>
}

export type Backend = 'postgres' | 'embedded'

/** Opens (and migrates) a database that only this test file uses. */
export async function createTestDatabase(backend: Backend = 'postgres'): Promise<TestDatabase> {
  if (backend === 'embedded') {
    const database = await openDatabase({})
    await migrateToLatest(database.db)
    return { database, url: undefined, drop: () => database.db.destroy() }
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
