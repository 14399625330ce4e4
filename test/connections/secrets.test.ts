// A Password field's value, sent by SuperOffice in WSSaveConnection, is sealed in the database when a key is set,
// is readable by the connector again, and never appears in a log line.
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import { openDatabase } from '../../src/connections/database.js'
import { SecretBox, SecretKeyError } from '../../src/connections/secrets.js'
import { body, outcome } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { call } from '../helpers/soap.js'

const lines: string[] = []
const stream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})
const key = randomBytes(32)
const server = await startTestServer({ secrets: new SecretBox([key]), logger: { level: 'info', stream } })
t.teardown(() => server.close())

t.test('sealed at rest, masked in logs, usable by the connector', async (t) => {
  const guid = randomUUID()
  const secret = 'hunter2-very-secret'
  const saved = outcome(await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Dataset', 'demo'], ['ApiKey', secret]])))
  t.equal(saved.state, 'Ok')
  const row = await server.testDatabase.database.db.selectFrom('connections').selectAll().where('id', '=', guid).executeTakeFirstOrThrow()
  t.equal(row.config.Dataset, 'demo', 'other values stay readable for an operator')
  t.match(row.config.ApiKey, { encrypted: /^v2:[0-9a-f]{8}:/ }, 'the Password value is sealed')
  t.notMatch(JSON.stringify(row), secret)
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok', 'the connection still opens')
  const logged = lines.join('')
  t.match(logged, /memory connector: saving connection/, 'the connector logged its configuration')
  t.match(logged, /"ApiKey":"\*\*\*"/, 'with the secret masked')
  t.notMatch(logged, secret, 'the secret is in no log line')
})

t.test('a connection sealed with another key: a clear error naming the key, not a database outage', async (t) => {
  const guid = randomUUID()
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['ApiKey', 'x-secret']]))
  const database = await openDatabase({ databaseUrl: server.testDatabase.url })
  const other = await startTestServer({ secrets: new SecretBox([randomBytes(32)]), testDatabase: { database, url: server.testDatabase.url, drop: async () => undefined } })
  t.teardown(() => other.close())
  const o = outcome(await call(other.endpoint, 'WSTestConnection', body.base(guid)))
  t.same([o.state, o.code], ['Error', 'CONNECTION_SECRET_KEY'])
  t.match(o.explanation, /CONNECTION_SECRET_KEY is not the key it was saved with/)
})

t.test('a configuration key named __proto__ is stored as a key like any other', async (t) => {
  const guid = randomUUID()
  const saved = outcome(await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['__proto__', 'x'], ['constructor', 'y']])))
  t.equal(saved.state, 'Ok', saved.explanation)
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok')
  const row = await server.testDatabase.database.db.selectFrom('connections').select(['config', 'config_keys']).where('id', '=', guid).executeTakeFirstOrThrow()
  t.same(row.config_keys, ['__proto__', 'constructor'])
  t.equal(Object.getOwnPropertyDescriptor(row.config, '__proto__')?.value, 'x')
})

const db = () => server.testDatabase.database.db
async function storedApiKey(guid: string): Promise<string> {
  const row = await db().selectFrom('connections').select('config').where('id', '=', guid).executeTakeFirstOrThrow()
  return (row.config.ApiKey as { encrypted: string }).encrypted
}
async function setApiKey(guid: string, encrypted: string): Promise<void> {
  await db().updateTable('connections').set({ config: JSON.stringify({ ApiKey: { encrypted } }) as never }).where('id', '=', guid).execute()
}

t.test('a sealed value copied to another connection does not open: the admin is told to enter the password again', async (t) => {
  const [a, b] = [randomUUID(), randomUUID()]
  await call(server.endpoint, 'WSSaveConnection', body.save(a, [['ApiKey', 'secret-of-a']]))
  await call(server.endpoint, 'WSSaveConnection', body.save(b, [['ApiKey', 'secret-of-b']]))
  await setApiKey(b, await storedApiKey(a))
  const o = outcome(await call(server.endpoint, 'WSTestConnection', body.base(b)))
  t.same([o.state, o.code], ['Error', 'CONNECTION_SECRET_UNREADABLE'])
  t.match(o.explanation, /changed, or copied from another connection or field.*Enter the password again in SuperOffice Admin/)
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', body.base(a))).state, 'Ok', 'the original still opens')
  t.equal(outcome(await call(server.endpoint, 'WSSaveConnection', body.save(b, [['ApiKey', 'secret-of-b']]))).state, 'Ok')
  t.equal(outcome(await call(server.endpoint, 'WSTestConnection', body.base(b))).state, 'Ok', 'saving the password again mends it')
})

t.test('the GCM tag is 16 bytes: a value with a shorter tag is refused, not opened', async (t) => {
  // A v1 value of the empty string, sealed with the server's key, then cut to a 4-byte tag: a forger needs only
  // 2^32 tries to make such a value if short tags are accepted.
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.final()
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8)
  const short = `v1:${keyId}:${Buffer.concat([iv, cipher.getAuthTag().subarray(0, 4)]).toString('base64')}`
  const binding = { connectionId: randomUUID(), fieldKey: 'ApiKey' }
  t.throws(() => new SecretBox([key]).open(short, binding), new SecretKeyError(`The stored value of field "ApiKey" of connection ${binding.connectionId} is too short to hold its 16-byte integrity tag`, 'value'))

  const guid = randomUUID()
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['ApiKey', 'x']]))
  await setApiKey(guid, short)
  const o = outcome(await call(server.endpoint, 'WSTestConnection', body.base(guid)))
  t.same([o.state, o.code], ['Error', 'CONNECTION_SECRET_UNREADABLE'])
})

t.test('a key ring: a server started with "new,old" opens what the old key sealed and seals with the new one', async (t) => {
  const guid = randomUUID()
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['ApiKey', 'sealed-with-old']]))
  const newKey = randomBytes(32)
  const database = await openDatabase({ databaseUrl: server.testDatabase.url })
  const ringed = await startTestServer({ secrets: new SecretBox([newKey, key]), testDatabase: { database, url: server.testDatabase.url, drop: async () => undefined } })
  t.teardown(() => ringed.close())
  t.equal(outcome(await call(ringed.endpoint, 'WSTestConnection', body.base(guid))).state, 'Ok', 'the old key still opens')
  const fresh = randomUUID()
  t.equal(outcome(await call(ringed.endpoint, 'WSSaveConnection', body.save(fresh, [['ApiKey', 'sealed-with-new']]))).state, 'Ok')
  t.match(await storedApiKey(fresh), new RegExp(`^v2:${new SecretBox([newKey]).keyId}:`), 'sealed with the first key')
  const o = outcome(await call(server.endpoint, 'WSTestConnection', body.base(fresh)))
  t.same([o.state, o.code], ['Error', 'CONNECTION_SECRET_KEY'], 'a server without the new key says which key is missing')
})
