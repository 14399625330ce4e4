// `npm start` while PostgreSQL is down: the server listens anyway and says the database is unreachable, and as
// soon as the database is back it migrates (once) and serves, with no restart.
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import pg from 'pg'
import t from 'tap'
import { ensureBuilt, freePort, SERVER_COMMAND } from '../helpers/process.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { ADMIN_URL } from '../helpers/database.js'
import { body, outcome } from '../helpers/erp.js'
import { call } from '../helpers/soap.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'

async function admin(statement: string, database?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: database ? new URL(`/${database}`, ADMIN_URL).toString() : ADMIN_URL })
  await client.connect()
  try {
    return await client.query(statement)
  } finally {
    await client.end()
  }
}

t.test('starts with the database down, answers CONNECTION_STORE_UNAVAILABLE, and serves once it is back', async (t) => {
  const name = `erp_test_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-down-'))
  const databasePort = await freePort()
  const url = new URL(ADMIN_URL)
  url.hostname = '127.0.0.1'
  url.port = String(databasePort)
  url.pathname = `/${name}`
  await ensureBuilt()
  const server = spawn(SERVER_COMMAND[0]!, SERVER_COMMAND.slice(1), {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: url.toString(), LOG_LEVEL: 'info' },
  })
  let proxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve((exitCode = code))))
  t.teardown(async () => {
    if (exitCode === undefined) server.kill('SIGKILL')
    await proxy?.close()
    rmSync(dataDir, { recursive: true, force: true })
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
  const lines: Array<Record<string, unknown>> = []
  let stderr = ''
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const endpoint = await new Promise<string>((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)))
    createInterface({ input: server.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      lines.push(entry)
      const ready = /give SuperOffice (\S+)/.exec(String(entry.msg))
      if (ready) resolve(ready[1]!)
    })
  })
  const origin = new URL(endpoint).origin
  t.ok(lines.some((l) => /cannot be used yet.*CONNECTION_STORE_UNAVAILABLE/.test(String(l.msg))), 'the log says why calls fail')

  const guid = randomUUID()
  const down = outcome(await call(endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'ErpClient.xlsx']])))
  t.same([down.state, down.code], ['Error', 'CONNECTION_STORE_UNAVAILABLE'], 'a call that needs the store says it is unreachable')
  t.equal(outcome(await call(endpoint, 'WSTestConnection', body.base(guid))).code, 'CONNECTION_STORE_UNAVAILABLE')
  t.equal((await fetch(`${origin}/healthz`)).status, 503)

  proxy = await startTcpProxy({ host: new URL(ADMIN_URL).hostname, port: Number(new URL(ADMIN_URL).port || 5432) }, databasePort)
  let healthy = false
  for (let attempt = 0; attempt < 100 && !healthy; attempt++) {
    healthy = (await fetch(`${origin}/healthz`)).status === 200
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(healthy, '/healthz says ok once the database is back')
  t.not(outcome(await call(endpoint, 'WSSaveConnection', body.save(guid, [['Filename', 'ErpClient.xlsx']]))).state, 'Error', 'saves again')
  t.equal(outcome(await call(endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok')
  const migrations = await admin('select name from kysely_migration', name)
  t.same(migrations.rows.map((r: { name: string }) => `${r.name}.ts`), readdirSync(path.join(PROJECT_ROOT, 'migrations')), 'the migrations ran, once each')

  server.kill('SIGTERM')
  t.equal(await exited, 0, 'stops cleanly')
})
