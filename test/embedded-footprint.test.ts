// `npm start` now (compiled, the embedded PostgreSQL) against the server it replaced (PGlite, run from source by
// tsx), measured in the same run: memory of the whole process tree (npm, node and every postgres process) right
// after calls and at idle; the time from spawn to ready on a warm data folder is reported, not asserted (a wall-clock
// comparison; docs/performance.md carries the start times).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import t from 'tap'
import { migrateToLatest, POOL_IDLE_TIMEOUT_MS } from '../src/connections/database.js'
import { openEmbeddedDatabase } from '../src/connections/from-config.js'
import { body } from './helpers/erp.js'
import { asUser, commandOf, memoryOf, NPM_START, processTree, startServer, stopServer, TSX, type RunningServer } from './helpers/process.js'
import { call, child } from './helpers/soap.js'

// Two servers start one after the other on a machine that may be busy, and each idles for over half a minute.
t.setTimeout(420_000)
const pgliteDir = mkdtempSync(path.join(tmpdir(), 'erp-footprint-pglite-'))
const clusterDir = mkdtempSync(path.join(tmpdir(), 'erp-footprint-pg-'))
t.teardown(() => {
  rmSync(pgliteDir, { recursive: true, force: true })
  rmSync(clusterDir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const AFTER_CALLS_MS = 3000
// Idle: the pools have closed their unused database sessions, and V8 has shrunk its heap (after about 15 s with
// nothing allocated).
const IDLE_MS = POOL_IDLE_TIMEOUT_MS + 5000


const pglite = () => startServer({ DATA_DIR: pgliteDir }, asUser([TSX, 'test/fixtures/pglite-server.ts']))

/** The same calls on both: a save, then 20 calls that read the connection and record their use. */
async function use(running: RunningServer) {
  const guid = randomUUID()
  const endpoint = `${running.endpoint}?ConnectorName=Memory`
  const states = [child(await call(endpoint, 'WSSaveConnection', body.save(guid, [])), 'State').text]
  for (let i = 0; i < 20; i++) states.push(child(await call(endpoint, 'WSTestConnection', body.base(guid)), 'State').text)
  return states
}

type Memory = ReturnType<typeof memoryOf>

/** The tree's memory 3 s after the calls and at idle, each split into its parts (named by a pattern on the command line). */
async function measure(running: RunningServer, parts: Record<string, (command: string, pid: number) => boolean>) {
  const lastCall = performance.now()
  const at = async (ms: number) => {
    await sleep(lastCall + ms - performance.now())
    const tree = processTree(running.process.pid!)
    const split: Record<string, Memory & { processes: number }> = {}
    for (const [name, belongs] of Object.entries(parts)) {
      const pids = tree.filter((pid) => belongs(commandOf(pid), pid))
      split[name] = { ...memoryOf(pids), processes: pids.length }
    }
    return { whole: memoryOf(tree), processes: tree.length, parts: split }
  }
  return { afterCalls: await at(AFTER_CALLS_MS), idle: await at(IDLE_MS) }
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`
const describe = (m: Awaited<ReturnType<typeof measure>>['idle']) =>
  `RSS ${mb(m.whole.rssKb)}, PSS ${mb(m.whole.pssKb)} (${m.processes} processes; ${Object.entries(m.parts)
    .map(([name, part]) => `${name} ${mb(part.rssKb)} / ${mb(part.pssKb)}${part.processes > 1 ? ` in ${part.processes}` : ''}`)
    .join(', ')})`

t.test('idle memory of npm start: under a quarter of the PGlite server\'s (PSS); warm start times reported', async (t) => {
  // Both data folders are initialised first: the measured starts are warm ones.
  const init = await PGlite.create(path.join(pgliteDir, 'db'))
  await init.close()
  const cluster = await openEmbeddedDatabase({ dataDir: clusterDir })
  await migrateToLatest(cluster.db)
  await cluster.db.destroy()

  const old = await pglite()
  t.same(await use(old), Array(21).fill('Ok'))
  const oldMemory = await measure(old, { 'tsx launcher': (command) => !/pglite-server/.test(command) || /\/tsx /.test(command), server: (command) => /pglite-server/.test(command) && !/\/tsx /.test(command) })
  await stopServer(old)

  const running = await startServer({ DATA_DIR: clusterDir, CONNECTORS: 'excel,memory' }, asUser(NPM_START))
  const npmCommand = commandOf(running.process.pid!)
  t.same(await use(running), Array(21).fill('Ok'))
  const newMemory = await measure(running, {
    npm: (_command, pid) => pid === running.process.pid,
    node: (command) => /dist\/src\/main\.js/.test(command),
    postgres: (command) => /postgres/.test(command),
  })
  await stopServer(running)

  for (const [when, key] of [['3 s after the calls', 'afterCalls'], ['idle', 'idle']] as const) {
    t.comment(`${when}: PGlite ${describe(oldMemory[key])}`)
    t.comment(`${when}: npm start ${describe(newMemory[key])}`)
    t.comment(
      `${when}: RSS ${(newMemory[key].whole.rssKb / oldMemory[key].whole.rssKb).toFixed(2)} of PGlite's, PSS ${(newMemory[key].whole.pssKb / oldMemory[key].whole.pssKb).toFixed(2)}`,
    )
  }
  t.comment(`start: PGlite ${old.startMs.toFixed(0)} ms, npm start ${running.startMs.toFixed(0)} ms`)
  const { whole, parts } = newMemory.idle
  const before = oldMemory.idle.whole
  t.match(npmCommand, /^npm start/, 'the tree is npm start\'s')
  t.ok(parts.postgres!.pssKb > 0 && parts.postgres!.processes >= 4 && parts.node!.processes === 1, 'the tree holds node and the postgres processes too')
  // The issue's target, a quarter, is met by PSS (pages shared between processes split among them). RSS summed
  // counts those pages once per process: npm (which stays as the parent of npm start) and PostgreSQL's processes
  // each count the node binary or PostgreSQL's own pages again.
  t.ok(whole.pssKb < before.pssKb / 4, `idle, npm start's process tree holds ${mb(whole.pssKb)} (PSS), under a quarter of PGlite's ${mb(before.pssKb)}`)
  t.ok(whole.rssKb < before.rssKb / 2, `idle, npm start's process tree holds ${mb(whole.rssKb)} (RSS), under half of PGlite's ${mb(before.rssKb)}`)
  // What the systemd unit runs (node itself, no npm): measured 0.24-0.27 of PGlite's RSS.
  const withoutNpm = whole.rssKb - parts.npm!.rssKb
  t.ok(withoutNpm < before.rssKb / 3, `idle, node and PostgreSQL hold ${mb(withoutNpm)} (RSS), under a third of PGlite's`)
  // Right after calls the pools still hold database sessions and V8 has not shrunk its heap yet.
  t.ok(newMemory.afterCalls.whole.pssKb < oldMemory.afterCalls.whole.pssKb / 3, 'right after the calls, under a third of PGlite\'s (PSS)')
  // What PGlite's tree holds beyond a node server (npm start's tree without postgres, npm included): its database.
  const server = whole.pssKb - parts.postgres!.pssKb
  t.ok(parts.postgres!.pssKb < (before.pssKb - server) / 4, `PostgreSQL holds ${mb(parts.postgres!.pssKb)} (PSS), under a quarter of what PGlite adds to a server`)
})
