// The server outlives whatever its PostgreSQL does: backends terminated during reads and writes, the network cut
// mid-call, a database that swallows everything for a while, a lock another session keeps. Every call answers
// cleanly meanwhile, and service comes back in full.
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import pg from 'pg'
import t from 'tap'
import { openDatabase } from '../../src/connections/database.js'
import { SqlConnectionStore, type SqlConnectionStoreOptions } from '../../src/connections/sql-store.js'
import type { ErpConnector } from '../../src/connector/connector.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { buildServer } from '../../src/server.js'
import { ADMIN_URL, createTestDatabase } from '../helpers/database.js'
import { outcome } from '../helpers/erp.js'
import { call, child, saveConnectionBody, TNS } from '../helpers/soap.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

const testDatabase = await createTestDatabase('postgres')
const databaseName = new URL(testDatabase.url!).pathname.slice(1)
const target = { host: new URL(ADMIN_URL).hostname, port: Number(new URL(ADMIN_URL).port || 5432) }
t.teardown(() => testDatabase.drop())

/** Holds every `testConnection` of the "Locking" connector inside ctx.exclusive until `open()`. */
function gate() {
  let open!: () => void
  let entered!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  const inside = new Promise<void>((resolve) => (entered = resolve))
  return { opened, inside, open, entered }
}

/** The Memory connector, whose WSTestConnection takes the lock named by the connection's "Key" (then waits on `hold`). */
function lockingConnector(hold: () => ReturnType<typeof gate> | undefined): ErpConnector {
  const memory = createMemoryConnector({ name: 'Locking' })
  return {
    ...memory,
    async testConnection(ctx, { connection }) {
      await ctx.exclusive(connection.config.get('Key') ?? 'probe', async () => {
        const current = hold()
        current?.entered()
        await current?.opened
      })
      return {}
    },
  }
}

interface Served {
  endpoint: string
  warnings: string[]
  close(): Promise<void>
}

async function serve(databaseUrl: string, timeoutMs: number, options: SqlConnectionStoreOptions = {}, hold: () => ReturnType<typeof gate> | undefined = () => undefined): Promise<Served> {
  const warnings: string[] = []
  const database = await openDatabase({ databaseUrl, timeoutMs, onPoolError: (error) => warnings.push(error.message) })
  const store = new SqlConnectionStore(database, { migrate: true, ...options, warn: (_details, message) => warnings.push(message) })
  const app = await buildServer({ connectors: [createMemoryConnector(), lockingConnector(hold)], store })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const endpoint = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}/ErpConnectorWS.svc`
  return { endpoint, warnings, close: () => app.close() }
}

const testBody = (guid: string) => `<RequestBase xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid></RequestBase>`

async function saved(endpoint: string, connector = 'Memory', config: Record<string, string> = { Dataset: 'demo' }): Promise<string> {
  const guid = randomUUID()
  const answer = outcome(await call(`${endpoint}?ConnectorName=${connector}`, 'WSSaveConnection', saveConnectionBody(guid, config)))
  if (answer.state !== 'Ok') throw new Error(`could not save a connection: ${JSON.stringify(answer)}`)
  return guid
}

async function admin(statement: string, parameters: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await client.query(statement, parameters)
  } finally {
    await client.end()
  }
}

const terminateAll = () =>
  admin('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [databaseName])

/** Answers a store failure may give: never EX, never a fault. */
const CLEAN_ERRORS = ['CONNECTION_STORE_UNAVAILABLE', 'CONNECTION_STORE_BUSY']

/** `count` calls, `parallel` at a time; the answers in order. */
async function calls(count: number, parallel: number, one: (i: number) => Promise<{ state: string; code: string }>) {
  const answers: Array<{ state: string; code: string }> = []
  for (let i = 0; i < count; i += parallel) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, (_, j) => one(i + j)))))
  }
  return answers
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

t.test('backends terminated during reads and writes: every call answers cleanly, then all succeed', async (t) => {
  const server = await serve(testDatabase.url!, 2000)
  t.teardown(() => server.close())
  const reader = await saved(server.endpoint)
  const writers = await Promise.all(Array.from({ length: 4 }, (_, i) => saved(server.endpoint, 'Locking', { Dataset: 'demo', Key: `write-${i}` })))
  let terminating = true
  const terminator = (async () => {
    let rounds = 0
    while (terminating) {
      await terminateAll()
      rounds++
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    return rounds
  })()
  // Reads (find), writes of the store (save), and work under a workbook-style lock, in turn.
  const during = await calls(120, 8, async (i) => {
    const wrapper = [
      () => call(server.endpoint, 'WSTestConnection', testBody(reader)),
      () => call(server.endpoint, 'WSSaveConnection', saveConnectionBody(reader)),
      () => call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(writers[i % writers.length]!)),
    ][i % 3]!
    return outcome(await wrapper())
  })
  terminating = false
  t.ok((await terminator) > 3, 'backends were terminated again and again')
  const unclean = during.filter((a) => a.state !== 'Ok' && !CLEAN_ERRORS.includes(a.code))
  t.same(unclean, [], 'every call answered Ok or named the database')
  t.ok(during.some((a) => a.state !== 'Ok'), 'the terminations did hit calls')

  const after = await calls(40, 8, async (i) =>
    outcome(
      i % 2 === 0
        ? await call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(writers[i % writers.length]!))
        : await call(server.endpoint, 'WSTestConnection', testBody(reader)),
    ),
  )
  t.same(after.filter((a) => a.state !== 'Ok'), [], '40 calls after the terminations all succeed')
})

t.test('the lock session terminated while the work runs: the done write stands, the lock is free again', async (t) => {
  let holding: ReturnType<typeof gate> | undefined = gate()
  const server = await serve(testDatabase.url!, 2000, {}, () => holding)
  t.teardown(() => server.close())
  const guid = await saved(server.endpoint, 'Locking', { Dataset: 'demo', Key: 'unlock-fails' })
  const answer = call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(guid))
  await holding.inside
  const holders = await admin(
    "select pid from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = $1",
    [databaseName],
  )
  t.equal(holders.rowCount, 1, 'one session holds the lock')
  await admin('select pg_terminate_backend($1)', [holders.rows[0].pid])
  // Let the terminated session's 'error' reach its client before the work ends.
  await new Promise((resolve) => setTimeout(resolve, 100))
  holding.open()
  t.same(outcome(await answer), { state: 'Ok', code: '', explanation: '' }, 'the work was done: its answer stands')
  t.ok(server.warnings.some((w) => /could not release a lock cleanly/.test(w)), 'the failed unlock is logged')
  holding = undefined
  t.equal(outcome(await call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(guid))).state, 'Ok', 'the lock can be taken again')
})

t.test('the network cut mid-call (proxy killed): the server survives and recovers', async (t) => {
  const proxy = await startTcpProxy(target)
  let holding: ReturnType<typeof gate> | undefined = gate()
  const server = await serve(proxy.via(testDatabase.url!), 2000, {}, () => holding)
  t.teardown(async () => {
    await server.close()
    await proxy.close()
  })
  const reader = await saved(server.endpoint)
  const locker = await saved(server.endpoint, 'Locking', { Dataset: 'demo', Key: 'proxy-cut' })
  const locked = call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(locker))
  await holding.inside
  const reads = Array.from({ length: 10 }, () => call(server.endpoint, 'WSTestConnection', testBody(reader)))
  await new Promise((resolve) => setImmediate(resolve))
  proxy.killAll()
  await new Promise((resolve) => setTimeout(resolve, 100))
  holding.open()
  t.equal(outcome(await locked).state, 'Ok', 'the call whose lock session was cut keeps its answer')
  const answered = (await Promise.all(reads)).map(outcome)
  t.same(answered.filter((a) => a.state !== 'Ok' && !CLEAN_ERRORS.includes(a.code)), [], 'reads in flight answered Ok or named the database')
  holding = undefined
  const after = await calls(20, 5, async () => outcome(await call(server.endpoint, 'WSTestConnection', testBody(reader))))
  t.same(after.filter((a) => a.state !== 'Ok'), [], '20 calls after the cut all succeed')
})

t.test('a blackhole, then the database answers again: every call succeeds again', async (t) => {
  const proxy = await startTcpProxy(target)
  const server = await serve(proxy.via(testDatabase.url!), 400)
  t.teardown(async () => {
    await server.close()
    await proxy.close()
  })
  const reader = await saved(server.endpoint)
  const warm = await calls(20, 10, async () => outcome(await call(server.endpoint, 'WSTestConnection', testBody(reader))))
  t.same(warm.filter((a) => a.state !== 'Ok'), [], 'warm-up')
  proxy.blackhole()
  const during = await calls(30, 10, async () => outcome(await call(server.endpoint, 'WSTestConnection', testBody(reader))))
  t.same(
    during.map((a) => a.code),
    during.map(() => 'CONNECTION_STORE_UNAVAILABLE'),
    'during the blackhole every call says the database is unreachable',
  )
  proxy.forward()
  const after = await calls(60, 10, async () => outcome(await call(server.endpoint, 'WSTestConnection', testBody(reader))))
  t.same(after.filter((a) => a.state !== 'Ok'), [], '60 calls after the blackhole all succeed: no connection stuck behind it is reused')
})

t.test('a lock another session keeps: a busy answer at the deadline, and other calls are not held up', async (t) => {
  const waiters = 12
  // The wait is longer than the statement timeout, which it must never meet.
  const timeoutMs = 2000
  const lockWaitMs = 2500
  const server = await serve(testDatabase.url!, timeoutMs, { lockWaitMs })
  const other = new pg.Client({ connectionString: testDatabase.url })
  await other.connect()
  t.teardown(async () => {
    await other.end().catch(() => undefined)
    await server.close()
  })
  const unrelated = await saved(server.endpoint)
  const lockers = await Promise.all(Array.from({ length: waiters }, (_, i) => saved(server.endpoint, 'Locking', { Dataset: 'demo', Key: `held-${i}` })))
  for (let i = 0; i < waiters; i++) await other.query('select pg_advisory_lock(hashtextextended($1, 0))', [`held-${i}`])

  /** Latencies of 8 unrelated calls made at once (as many as the pool can serve together). */
  const batch = () =>
    Promise.all(
      Array.from({ length: 8 }, async () => {
        const started = performance.now()
        const answer = outcome(await call(server.endpoint, 'WSTestConnection', testBody(unrelated)))
        return { ms: performance.now() - started, state: answer.state }
      }),
    )
  const idle = [...(await batch()), ...(await batch()), ...(await batch())]

  const started = performance.now()
  const busy = Promise.all(
    lockers.map(async (guid) => {
      const answer = outcome(await call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(guid)))
      return { ...answer, ms: performance.now() - started }
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  const waiting = await batch()
  const answers = await busy
  t.same(waiting.map((w) => w.state), waiting.map(() => 'Ok'), 'unrelated calls answer while calls wait for locks')
  const [waitingMs, idleMs] = [median(waiting.map((w) => w.ms)), median(idle.map((w) => w.ms))]
  t.ok(waitingMs < 10 * idleMs, `and are not held up: median ${waitingMs.toFixed(1)} ms while ${waiters} calls wait, ${idleMs.toFixed(1)} ms idle`)
  for (const answer of answers) {
    t.equal(answer.code, 'RESOURCE_BUSY')
    t.match(answer.explanation, /is busy.*try again/i)
  }
  const slowest = Math.max(...answers.map((a) => a.ms))
  t.ok(Math.min(...answers.map((a) => a.ms)) >= lockWaitMs, 'each waited its whole deadline')
  t.ok(slowest < lockWaitMs * 2, `and answered soon after it (slowest ${slowest.toFixed(0)} ms)`)

  await other.query('select pg_advisory_unlock_all()')
  t.equal(outcome(await call(`${server.endpoint}?ConnectorName=Locking`, 'WSTestConnection', testBody(lockers[0]!))).state, 'Ok', 'free again')
})

t.test('every database error is classified: busy (statement timeout) and a fault of ours, never EX', async (t) => {
  const server = await serve(testDatabase.url!, 500)
  const other = new pg.Client({ connectionString: testDatabase.url })
  await other.connect()
  t.teardown(async () => {
    await other.query('rollback').catch(() => undefined)
    await other.query('alter table if exists connections_elsewhere rename to connections').catch(() => undefined)
    await other.end().catch(() => undefined)
    await server.close()
  })
  const guid = await saved(server.endpoint)

  await other.query('begin')
  await other.query('lock table connections in access exclusive mode')
  const busy = outcome(await call(server.endpoint, 'WSTestConnection', testBody(guid)))
  await other.query('rollback')
  t.equal(busy.code, 'CONNECTION_STORE_BUSY', 'a statement timeout: busy')
  t.match(busy.explanation, /too busy.*try again in a moment/)

  await other.query('alter table connections rename to connections_elsewhere')
  const wrapper = await call(server.endpoint, 'WSTestConnection', testBody(guid))
  await other.query('alter table connections_elsewhere rename to connections')
  t.same(outcome(wrapper).code, 'CONNECTION_STORE_ERROR', 'a statement the database refuses: a fault of the server')
  t.match(outcome(wrapper).explanation, /its log has the details/)
  t.equal(child(wrapper, 'TechExplanation').text, 'SQLSTATE 42P01', 'the caller gets the SQLSTATE, not the message or a stack')
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', testBody(guid))).state, 'Ok', 'and then it works again')
})
