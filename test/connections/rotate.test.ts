// `npm run rotate-secret-key` as an operator runs it, in its own process, against PostgreSQL while a server with the
// key ring "new,old" is running: it re-seals everything with the new key, does not overwrite a save made while it
// runs, and a second run succeeds and re-seals nothing. Then the old key can be dropped.
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t from 'tap'
import { openDatabase } from '../../src/connections/database.js'
import { SecretBox } from '../../src/connections/secrets.js'
import { PROJECT_ROOT } from '../../src/server.js'
import { body, outcome } from '../helpers/erp.js'
import { ensureBuilt } from '../helpers/process.js'
import { startTestServer } from '../helpers/server.js'
import { call } from '../helpers/soap.js'

await ensureBuilt()
const dataDir = t.testdir({})
const [oldKey, newKey] = [randomBytes(32), randomBytes(32)]
const ring = `${newKey.toString('base64')},${oldKey.toString('hex')}`

// Connections saved while only the old key was set.
const before = await startTestServer({ secrets: new SecretBox([oldKey]) })
t.teardown(() => before.close())
const url = before.testDatabase.url!
const guids = [randomUUID(), randomUUID(), randomUUID()]
for (const [i, guid] of guids.entries()) await call(before.endpoint, 'WSSaveConnection', body.save(guid, [['Dataset', 'demo'], ['ApiKey', `old-secret-${i}`]]))

// The server restarted with the ring: it runs during the rotation.
const during = await startTestServer({ secrets: new SecretBox([newKey, oldKey]), testDatabase: { database: await openDatabase({ databaseUrl: url }), url, drop: async () => undefined } })
t.teardown(() => during.close())

function rotate(keys = ring, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // As npm run rotate-secret-key runs it: compiled.
  const child = spawn(process.execPath, ['dist/scripts/rotate-secret-key.js'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: url, CONNECTION_SECRET_KEY: keys, DATA_DIR: dataDir, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

async function storedApiKey(guid: string): Promise<string> {
  const row = await before.testDatabase.database.db.selectFrom('connections').select('config').where('id', '=', guid).executeTakeFirstOrThrow()
  return (row.config.ApiKey as { encrypted: string }).encrypted
}

t.test('a rotation waits for a save in progress and does not write over it; a second run re-seals nothing', async (t) => {
  // A save in progress on one row (as the server writes it, sealed with the ring's first key), not yet committed.
  const saving = new pg.Client({ connectionString: url })
  await saving.connect()
  t.teardown(() => saving.end())
  const target = guids[0]!
  const sealed = new SecretBox([newKey, oldKey]).seal('saved-during-rotation', { connectionId: target, fieldKey: 'ApiKey' })
  await saving.query('begin')
  await saving.query(`update connections set config = $1::jsonb, updated_at = now() where id = $2`, [JSON.stringify({ Dataset: 'demo', ApiKey: { encrypted: sealed } }), target])

  const running = rotate()
  // The rotation is waiting for that row's lock.
  const watcher = new pg.Client({ connectionString: url })
  await watcher.connect()
  t.teardown(() => watcher.end())
  let waiting = false
  for (let i = 0; i < 600 && !waiting; i++) {
    const { rows } = await watcher.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)
    waiting = rows[0].n > 0
    if (!waiting) await sleep(50)
  }
  t.ok(waiting, 'the rotation waits for the row lock')
  await saving.query('commit')

  const first = await running
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /3 connection\(s\); 2 value\(s\) re-sealed, 0 sealed for the first time/, 'the row saved meanwhile was already current')
  const newOnly = new SecretBox([newKey])
  t.equal(newOnly.open(await storedApiKey(target), { connectionId: target, fieldKey: 'ApiKey' }), 'saved-during-rotation', 'the save made meanwhile is kept')
  for (const [i, guid] of guids.entries()) {
    if (guid === target) continue
    t.equal(newOnly.open(await storedApiKey(guid), { connectionId: guid, fieldKey: 'ApiKey' }), `old-secret-${i}`)
  }
  for (const guid of guids) t.equal(outcome(await call(during.endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok', 'the running server still opens it')

  const stored = await Promise.all(guids.map(storedApiKey))
  const second = await rotate()
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, /0 value\(s\) re-sealed, 0 sealed for the first time/, 'a second run re-seals nothing')
  t.same(await Promise.all(guids.map(storedApiKey)), stored, 'and changes nothing')

  const after = await startTestServer({ secrets: newOnly, testDatabase: { database: await openDatabase({ databaseUrl: url }), url, drop: async () => undefined } })
  t.teardown(() => after.close())
  for (const guid of guids) t.equal(outcome(await call(after.endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok', 'the old key can be dropped')
})

t.test('values no key of the ring opens are left as they are and named; the exit status is 1', async (t) => {
  const stored = await Promise.all(guids.map(storedApiKey))
  const result = await rotate(randomBytes(32).toString('base64'))
  t.equal(result.code, 1)
  for (const guid of guids) t.match(result.stderr, new RegExp(`left as it is: The stored value of field "ApiKey" of connection ${guid} was sealed with key`))
  t.match(result.stderr, /3 value\(s\) could not be opened\. Add the key they were sealed with to CONNECTION_SECRET_KEY/)
  t.same(await Promise.all(guids.map(storedApiKey)), stored, 'unchanged')
})

t.test('connector modules CONNECTORS lists, one named as a shipped connector, one without getConfigData: their fields are the ones used', async (t) => {
  // The server starts with these (a module may take a shipped connector's name); the rotation must load them the same way.
  const memoryTwin = path.join(dataDir, 'memory-twin.mjs')
  writeFileSync(memoryTwin, `export default () => ({
  name: 'MEMORY',
  async getConfigData() {
    return { FieldMetaDataObjects: [{ FieldKey: 'Dataset', FieldType: 'Password' }, { FieldKey: 'ApiKey', FieldType: 'Password' }] }
  },
})
`)
  const excelTwin = path.join(dataDir, 'excel-twin.mjs')
  writeFileSync(excelTwin, `export default () => ({ name: 'Excel', async testConnection() { return {} } })\n`)
  const result = await rotate(ring, { CONNECTORS: `${memoryTwin},${excelTwin}` })
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /3 connection\(s\); 0 value\(s\) re-sealed, 3 sealed for the first time/, 'Dataset, a Password field of the module named Memory, is sealed')
  const row = await before.testDatabase.database.db.selectFrom('connections').select('config').where('id', '=', guids[1]!).executeTakeFirstOrThrow()
  t.equal(new SecretBox([newKey]).open((row.config.Dataset as { encrypted: string }).encrypted, { connectionId: guids[1]!, fieldKey: 'Dataset' }), 'demo')
})

t.test('with the embedded database: a connector that cannot load stops the rotation with one line, before the database starts, and the process ends', async (t) => {
  const ownDir = t.testdir({})
  chmodSync(ownDir, 0o711)
  const result = await rotate(ring, { DATABASE_URL: '', DATA_DIR: ownDir, CONNECTORS: './no-such-connector.mjs' })
  t.equal(result.code, 1)
  t.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
  t.match(result.stderr, /^rotate-secret-key: .*no-such-connector\.mjs/)
  t.notOk(existsSync(path.join(ownDir, 'pg')), 'the embedded database was not started')
})
