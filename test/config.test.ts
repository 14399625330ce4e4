// Configuration from the environment: defaults, and one clear message per bad value, all reported together.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.same(
    { port: config.port, host: config.host, databaseUrl: config.databaseUrl, dataDir: config.dataDir, trustProxy: config.trustProxy, secretKeys: config.secretKeys },
    { port: 8080, host: '127.0.0.1', databaseUrl: undefined, dataDir: './data', trustProxy: false, secretKeys: [] },
  )
  t.equal(config.bodyLimit, 4 * 1024 * 1024)
})

t.test('values that are accepted', async (t) => {
  const config = loadConfig({
    PORT: '9000',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://u:p@db:5432/erp',
    DATA_DIR: '/var/lib/erp',
    TRUST_PROXY: 'true',
    BODY_LIMIT: '1048576',
    CONNECTION_SECRET_KEY: 'a'.repeat(64),
  })
  t.same([config.port, config.host, config.databaseUrl, config.dataDir, config.trustProxy, config.bodyLimit], [9000, '0.0.0.0', 'postgres://u:p@db:5432/erp', '/var/lib/erp', true, 1048576])
  t.same(config.secretKeys, [Buffer.alloc(32, 0xaa)])
  t.same(loadConfig({ CONNECTION_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKeys, [Buffer.alloc(32, 7)], 'base64 key')
  const ring = loadConfig({ CONNECTION_SECRET_KEY: ` ${Buffer.alloc(32, 1).toString('base64')} , ${'02'.repeat(32)}` }).secretKeys
  t.same(ring, [Buffer.alloc(32, 1), Buffer.alloc(32, 2)], 'a key ring: the new key first, then old ones, comma-separated')
})

t.test('every bad value is named, with what to write instead', async (t) => {
  const rows: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT="eighty" is not valid: use a TCP port number/],
    [{ PORT: '70000' }, /PORT="70000"/],
    [{ PORT: '-1' }, /PORT="-1"/],
    [{ HOST: 'bad host!' }, /HOST="bad host!" is not valid/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL is not valid: use postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not valid/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY="maybe" is not valid: use true or false/],
    [{ BODY_LIMIT: '10' }, /BODY_LIMIT="10" is not valid/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not valid: use one of fatal, error/],
    [{ CONNECTION_SECRET_KEY: 'short' }, /CONNECTION_SECRET_KEY is not valid: it must be 32 random bytes.*openssl rand -base64 32/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},short` }, /CONNECTION_SECRET_KEY is not valid: key 2 of 2 must be 32 random bytes/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},` }, /CONNECTION_SECRET_KEY is not valid: key 2 of 2 is empty/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},${Buffer.alloc(32, 1).toString('base64')}` }, /CONNECTION_SECRET_KEY is not valid: it lists the same key twice/],
    [{ CONNECTION_SECRET_KEY: 'a'.repeat(64), CONNECTION_SECRET_KEY_OLD: 'b'.repeat(64) }, /CONNECTION_SECRET_KEY_OLD is no longer read: list the old key after the new one/],
    [{ DATABASE_URL: 'postgres://h/db', EMBEDDED_DB_PORT: '5433' }, /EMBEDDED_DB_PORT applies only to the embedded database/],
  ]
  for (const [env, message] of rows) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env))
  }
  const error = (() => {
    try {
      loadConfig({ PORT: 'x', HOST: '!', TRUST_PROXY: 'y' })
    } catch (e) {
      return e as ConfigError
    }
  })()
  t.equal(error?.problems.length, 3, 'all problems at once')
})
