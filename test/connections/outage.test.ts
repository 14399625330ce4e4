// When PostgreSQL cannot be reached, every call still answers, in bounded time, with State=Error naming the
// database; /healthz says so; and service comes back by itself when the database does.
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import pg from 'pg'
import t from 'tap'
import { migrateToLatest, openDatabase } from '../../src/connections/database.js'
import { SqlConnectionStore } from '../../src/connections/sql-store.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { buildServer } from '../../src/server.js'
import { ADMIN_URL, createTestDatabase } from '../helpers/database.js'
import { call, child, saveConnectionBody, TNS } from '../helpers/soap.js'

/** Fails the test if the call has not answered by then: it would have hung. */
async function answersWithoutHanging<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer: it hangs`)), 30_000)
  })
  try {
    return await Promise.race([promise, hung])
  } finally {
    clearTimeout(timer)
  }
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  await client.query(statement).finally(() => client.end())
}

async function listen(app: Awaited<ReturnType<typeof buildServer>>): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as net.AddressInfo
  return `http://127.0.0.1:${address.port}/ErpConnectorWS.svc`
}

t.test('the database refuses connections mid-run, then comes back', async (t) => {
  const test = await createTestDatabase('postgres')
  const name = new URL(test.url!).pathname.slice(1)
  const database = await openDatabase({ databaseUrl: test.url, timeoutMs: 1000 })
  await migrateToLatest(database.db)
  const logged: string[] = []
  const logger = { level: 'warn', stream: { write: (line: string) => void logged.push(line) } }
  const app = await buildServer({ connectors: [createMemoryConnector()], store: new SqlConnectionStore(database), logger })
  const endpoint = await listen(app)
  t.teardown(async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined)
    await app.close()
    await test.drop()
  })
  const guid = randomUUID()
  const testConnection = `<RequestBase xmlns="${TNS}"><ConnectionGuid>${guid}</ConnectionGuid></RequestBase>`
  await call(endpoint, 'WSSaveConnection', saveConnectionBody(guid))
  t.equal(child(await call(endpoint, 'WSTestConnection', testConnection), 'State').text, 'Ok')

  await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
  await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
  for (const operation of ['WSTestConnection', 'WSGetSupportedActorTypes']) {
    const down = await answersWithoutHanging(call(endpoint, operation, testConnection), operation)
    t.same([child(down, 'State').text, child(down, 'IsOk').text, child(down, 'ErrorCode').text], ['Error', 'false', 'CONNECTION_STORE_UNAVAILABLE'], operation)
    t.match(child(down, 'UserExplanation').text, /cannot reach its database/)
    t.match(child(down, 'TechExplanation').text, /not currently accepting connections|terminat|connect/)
  }
  const saveDown = await answersWithoutHanging(call(endpoint, 'WSSaveConnection', saveConnectionBody(randomUUID())), 'WSSaveConnection')
  t.equal(child(saveDown, 'ErrorCode').text, 'CONNECTION_STORE_UNAVAILABLE', 'a save that cannot be stored says so')
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 503)
  t.same(health.json(), { status: 'unavailable' }, 'to anyone: only that it is not ok')
  const entry = logged.map((line) => JSON.parse(line) as { msg: string }).find((e) => e.msg.startsWith('healthz'))
  t.match(entry, { msg: /the connection database does not answer/, store: { ok: false, backend: 'postgres', detail: /./ } }, 'the details go to the log')

  await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
  t.equal(child(await call(endpoint, 'WSTestConnection', testConnection), 'State').text, 'Ok', 'recovers by itself')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

t.test('a database server that accepts and never answers', async (t) => {
  const sockets = new Set<net.Socket>()
  const blackhole = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve))
  const port = (blackhole.address() as net.AddressInfo).port
  const database = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/nowhere`, timeoutMs: 500 })
  const app = await buildServer({ connectors: [createMemoryConnector()], store: new SqlConnectionStore(database) })
  const endpoint = await listen(app)
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await app.close()
    blackhole.close()
  })
  const wrapper = await answersWithoutHanging(
    call(endpoint, 'WSTestConnection', `<RequestBase xmlns="${TNS}"><ConnectionGuid>${randomUUID()}</ConnectionGuid></RequestBase>`),
    'WSTestConnection',
  )
  t.same([child(wrapper, 'State').text, child(wrapper, 'ErrorCode').text], ['Error', 'CONNECTION_STORE_UNAVAILABLE'])
  t.match(child(wrapper, 'TechExplanation').text, /timeout/i)
  const config = await call(endpoint, 'WSGetConfigData', `<WSGetConfigData xmlns="${TNS}"/>`)
  t.equal(child(config, 'State').text, 'Ok', 'calls that need no connection still work')
})
