// A Password field's value, sent by SuperOffice in WSSaveConnection, is sealed in the database when a key is set,
// is readable by the connector again, and never appears in a log line.
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import { openDatabase } from '../../src/connections/database.js'
import { SecretBox } from '../../src/connections/secrets.js'
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
const server = await startTestServer({ secrets: new SecretBox(Buffer.alloc(32, 9)), logger: { level: 'info', stream } })
t.teardown(() => server.close())

t.test('sealed at rest, masked in logs, usable by the connector', async (t) => {
  const guid = randomUUID()
  const secret = 'hunter2-very-secret'
  const saved = outcome(await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Dataset', 'demo'], ['ApiKey', secret]])))
  t.equal(saved.state, 'Ok')
  const row = await server.testDatabase.database.db.selectFrom('connections').selectAll().where('id', '=', guid).executeTakeFirstOrThrow()
  t.equal(row.config.Dataset, 'demo', 'other values stay readable for an operator')
  t.match(row.config.ApiKey, { encrypted: /^v1:/ }, 'the Password value is sealed')
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
  const other = await startTestServer({ secrets: new SecretBox(Buffer.alloc(32, 1)), testDatabase: { database, url: server.testDatabase.url, drop: async () => undefined } })
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
