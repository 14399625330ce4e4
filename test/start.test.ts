// startServer, the library's way to start the server: connectors it cannot serve are refused before the database
// starts, with one line; a start that fails once the database is open leaves no session on it; and a failed start
// stops the connectors it was given.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import t from 'tap'
import type { ErpConnector } from '../src/connector/connector.js'
import { createMemoryConnector } from '../src/connectors/memory.js'
import { startServer } from '../src/start.js'
import { DatabaseStartError, StartupError } from '../src/startup.js'
import { ADMIN_URL } from './helpers/database.js'

async function admin<T extends pg.QueryResultRow>(statement: string, database = ADMIN_URL): Promise<T[]> {
  const client = new pg.Client({ connectionString: database })
  await client.connect()
  try {
    return (await client.query<T>(statement)).rows
  } finally {
    await client.end()
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'erp-start-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A connector that records being closed. */
function closable(name: string): ErpConnector & { closed: number } {
  const connector = { name, closed: 0, getConfigData: async () => ({}), close: async () => void connector.closed++ }
  return connector
}

t.test('connectors startServer cannot serve: StartupError, one line, before the embedded database starts; the ones given are closed', async (t) => {
  const rows: Array<[string, () => unknown[], RegExp]> = [
    ['none', () => [], /^Cannot start: no connector to serve: give startServer at least one connector in `connectors`/],
    ['one not a connector', () => [closable('Acme'), { name: 'Odd' }], /^Cannot start: connectors\[1\] is not a connector: Odd has none of the connector methods/],
    ['null', () => [closable('Acme'), null], /^Cannot start: connectors\[1\] is not a connector: it returned null, not an object/],
    [
      'two named alike (any letter case)',
      () => [closable('Acme'), createMemoryConnector(), closable('MEMORY')],
      /^Cannot start: startServer's connectors hold two connectors named MEMORY \(connectors\[1\] and connectors\[2\]\); \?ConnectorName= could not tell them apart/,
    ],
  ]
  for (const [what, make, message] of rows) {
    const dataDir = path.join(dir, `refused-${rows.findIndex((row) => row[0] === what)}`)
    const connectors = make()
    const failure = await startServer({ env: { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, connectors: connectors as ErpConnector[] }).then(
      async (server) => {
        await server.close()
        return new Error('started')
      },
      (error: unknown) => error,
    )
    t.type(failure, StartupError, `${what}: StartupError`)
    t.match((failure as Error).message, message, `${what}: says what to do`)
    t.equal((failure as Error).message.split('\n').length, 1, `${what}: one line`)
    t.notOk(existsSync(path.join(dataDir, 'pg')), `${what}: the embedded database was not created`)
    for (const connector of connectors as Array<{ name?: string; closed?: number } | null>) {
      if (connector?.closed !== undefined) t.equal(connector.closed, 1, `${what}: ${connector.name} was closed`)
    }
  }
})

t.test('a start that fails after the database opened (a foreign connections table breaks the migration) closes its pool and its connectors', async (t) => {
  const name = `erp_start_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  t.teardown(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  // Another program's table where this server's migration creates its own.
  await admin('CREATE TABLE connections (id integer primary key, label text)', url.toString())

  const connector = closable('Acme')
  const failure = await startServer({ env: { DATABASE_URL: url.toString(), PORT: '0', DATA_DIR: path.join(dir, 'foreign'), LOG_LEVEL: 'silent' }, connectors: [connector] }).then(
    async (server) => {
      await server.close()
      return new Error('started')
    },
    (error: unknown) => error,
  )
  t.type(failure, DatabaseStartError, 'the database is not usable')
  t.match((failure as Error).message, /^Cannot start: the PostgreSQL server in DATABASE_URL is not usable\. /)
  t.equal(connector.closed, 1, 'the connector was closed')
  // A pool's sessions end when it is closed; one left open would keep them, and the process, alive.
  let open = -1
  for (let attempt = 0; attempt < 50 && open !== 0; attempt++) {
    const [row] = await admin<{ n: string }>(`select count(*) as n from pg_stat_activity where datname = '${name}'`)
    open = Number(row!.n)
    if (open !== 0) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(open, 0, 'no session of the server is left on its database')
})
