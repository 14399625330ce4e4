// The embedded PostgreSQL as a user meets it through `npm start` and `npm run psql`: reachable only with its
// password on loopback, psql sessions and slow queries beside SOAP calls, and recovery after kill -9.
import { execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import t from 'tap'
import { runningClusterUrl } from '../src/connections/embedded-cluster.js'
import { PROJECT_ROOT } from '../src/server.js'
import { body } from './helpers/erp.js'
import { commandOf, freePort, isAlive, processTree, type RunningServer, startServer, stopServer } from './helpers/process.js'
import { call, child } from './helpers/soap.js'

// Five server starts, one after the other, on a machine that may be busy.
t.setTimeout(360_000)
const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-embedded-main-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const env = { DATA_DIR: dataDir, CONNECTORS: 'excel,memory' }

const memory = (running: RunningServer) => `${running.endpoint}?ConnectorName=Memory`
const state = async (running: RunningServer, guid: string) => child(await call(memory(running), 'WSTestConnection', body.base(guid)), 'State').text
const save = async (running: RunningServer, guid: string) =>
  child(await call(memory(running), 'WSSaveConnection', body.save(guid, [['Dataset', 'empty']])), 'State').text

function npmPsql(args: string[], input?: string) {
  const psql = spawn('npm', ['run', '--silent', 'psql', '--', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  psql.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  psql.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  psql.stdin.end(input ?? '')
  const exited = new Promise<number | null>((resolve) => psql.on('exit', (code) => resolve(code)))
  return { exited, output: () => output }
}

async function clusterQuery<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: (await runningClusterUrl(dataDir))! })
  await client.connect()
  try {
    return (await client.query<T>(text)).rows
  } finally {
    await client.end()
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

t.test('npm run psql without a running server says what to do', async (t) => {
  const psql = npmPsql(['-c', 'select 1'])
  t.equal(await psql.exited, 1)
  t.match(psql.output(), /^psql: the embedded database in \S+ is not running: start the server \(npm start\), then run npm run psql again\.$/m)
})

t.test('reachable on loopback only (port EMBEDDED_DB_PORT), with the password kept in DATA_DIR (0600), no Unix socket', async (t) => {
  const port = await freePort()
  const running = await startServer({ ...env, EMBEDDED_DB_PORT: String(port) })
  t.teardown(() => stopServer(running))
  t.equal(statSync(path.join(dataDir, 'pg.password')).mode & 0o777, 0o600)
  const url = new URL((await runningClusterUrl(dataDir))!)
  t.equal(url.port, String(port))
  const settings = await clusterQuery<{ name: string; setting: string }>(
    `select name, setting from pg_settings where name in ('listen_addresses', 'unix_socket_directories') order by name`,
  )
  t.same(settings, [
    { name: 'listen_addresses', setting: '127.0.0.1' },
    { name: 'unix_socket_directories', setting: '' },
  ])
  const noPassword = await promisify(execFile)('psql', ['-w', '-h', '127.0.0.1', '-p', url.port, '-U', 'postgres', 'postgres', '-c', 'select 1'], {
    env: { ...process.env, PGPASSWORD: '' },
  }).catch((e: { code: number; stderr: string }) => e)
  t.not((noPassword as { code: number }).code, 0, 'psql without the password is refused')
  t.match((noPassword as { stderr: string }).stderr, /no password supplied|password authentication failed/)
  const wrong = await promisify(execFile)('psql', ['-w', '-h', '127.0.0.1', '-p', url.port, '-U', 'postgres', 'postgres', '-c', 'select 1'], {
    env: { ...process.env, PGPASSWORD: 'guess' },
  }).catch((e: { code: number; stderr: string }) => e)
  t.match((wrong as { stderr: string }).stderr, /password authentication failed/, 'a wrong password is refused')
})

t.test('two psql sessions, one in a slow query, one in a failed transaction, while SOAP calls go on', async (t) => {
  const running = await startServer(env)
  t.teardown(() => stopServer(running))
  const known = randomUUID()
  t.equal(await save(running, known), 'Ok')
  const baseline: number[] = []
  const states = new Set<string>()
  for (let i = 0; i < 40; i++) {
    const started = performance.now()
    states.add(await state(running, known))
    baseline.push(performance.now() - started)
  }

  const slow = npmPsql(['-c', 'select pg_sleep(3)'])
  // A transaction opened before the server's save and rolled back after it, failed half-way.
  const failed = npmPsql(['-v', 'ON_ERROR_STOP=0'], 'begin;\nselect count(*) from connections;\nselect 1/0;\n\\! sleep 3\nrollback;\n')
  for (;;) {
    const sessions = await clusterQuery<{ state: string; query: string }>(`select state, query from pg_stat_activity where application_name = 'psql' order by query`)
    const busy = sessions.some((s) => s.state === 'active' && /pg_sleep/.test(s.query))
    const aborted = sessions.some((s) => s.state === 'idle in transaction (aborted)')
    if (busy && aborted) break
    t.equal(await Promise.race([slow.exited, failed.exited, new Promise((resolve) => setTimeout(() => resolve('running'), 50))]), 'running', 'both sessions run')
  }
  const saved = randomUUID()
  t.equal(await save(running, saved), 'Ok', 'a save while a psql transaction is open')
  const during: number[] = []
  let slowDone = false
  void slow.exited.then(() => (slowDone = true))
  while (!slowDone) {
    const started = performance.now()
    states.add(await state(running, known))
    during.push(performance.now() - started)
  }
  t.same([...states], ['Ok'], 'every call answered Ok')
  t.equal(await slow.exited, 0, slow.output())
  t.equal(await failed.exited, 0, failed.output())
  t.match(failed.output(), /division by zero/)
  t.equal(await state(running, saved), 'Ok', "the psql session's rollback did not take the server's save with it")
  t.ok(during.length >= 10, `calls kept going during the slow query (${during.length})`)
  t.ok(median(during) < 5 * median(baseline), `median call ${median(during).toFixed(1)} ms during the sessions, ${median(baseline).toFixed(1)} ms before`)
})

t.test('kill -9 of the server, then of the server and PostgreSQL: the next start recovers, data kept', async (t) => {
  const first = await startServer(env)
  const guid = randomUUID()
  t.equal(await save(first, guid), 'Ok')
  const tree = processTree(first.process.pid!)
  const postgres = tree.filter((pid) => /\/postgres -D /.test(commandOf(pid)))
  t.equal(postgres.length, 1, 'one postmaster under the server')
  const exited = new Promise((resolve) => first.process.on('exit', resolve))
  for (const pid of tree.filter((pid) => /^(\S*\/)?node /.test(commandOf(pid)))) process.kill(pid, 'SIGKILL')
  await exited
  t.ok(isAlive(postgres[0]!), 'PostgreSQL outlives the killed server')

  const second = await startServer(env)
  t.notOk(isAlive(postgres[0]!), 'the orphaned PostgreSQL was stopped')
  t.equal(await state(second, guid), 'Ok', 'the connection saved before the crash is known')
  const again = randomUUID()
  t.equal(await save(second, again), 'Ok')
  const all = processTree(second.process.pid!)
  const secondExited = new Promise((resolve) => second.process.on('exit', resolve))
  for (const pid of all) process.kill(pid, 'SIGKILL')
  await secondExited
  t.match(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8'), /^\d+\n/, 'a stale postmaster.pid is left behind')

  const third = await startServer(env)
  t.teardown(() => stopServer(third))
  t.equal(await state(third, guid), 'Ok')
  t.equal(await state(third, again), 'Ok', 'the save acknowledged just before kill -9 is there')
})

t.test('PostgreSQL killed under a running server is started again, and service resumes by itself', async (t) => {
  const running = await startServer(env)
  t.teardown(() => stopServer(running))
  const guid = randomUUID()
  t.equal(await save(running, guid), 'Ok')
  const postmaster = processTree(running.process.pid!).find((pid) => /\/postgres -D /.test(commandOf(pid)))!
  process.kill(postmaster, 'SIGKILL')
  const healthz = new URL('/healthz', running.endpoint).toString()
  // Bounded by the test's own count, not a clock: 120 polls, 250 ms apart.
  let back = false
  for (let poll = 0; poll < 120 && !back; poll++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    back = (await fetch(healthz).then((r) => r.status, () => 0)) === 200 && !processTree(running.process.pid!).includes(postmaster)
  }
  t.ok(back, '/healthz is 200 again with a new PostgreSQL')
  t.equal(await state(running, guid), 'Ok', 'the connection saved before is known')
  t.ok(JSON.stringify(running.lines).includes('starting it again'), 'the restart is logged')
})

t.test('a pg.lock naming a pid that is now another process (pids are handed out again after a reboot) is stale', async (t) => {
  const other = spawn('sleep', ['60'])
  t.teardown(() => other.kill())
  writeFileSync(path.join(dataDir, 'pg.lock'), `${other.pid}\n00000000-0000-0000-0000-000000000000:1\n`)
  const running = await startServer(env)
  t.teardown(() => stopServer(running))
  t.pass('the server started although the pid in the lock is alive')
  await stopServer(running)
  writeFileSync(path.join(dataDir, 'pg.lock'), `${other.pid}\n`)
  await t.rejects(startServer(env), /in use by process \d+/, 'a lock by a live process whose identity is unknown is still respected')
  rmSync(path.join(dataDir, 'pg.lock'), { force: true })
})
