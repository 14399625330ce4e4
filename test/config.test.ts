// Configuration from the environment: defaults, and one clear message per bad value, all reported together.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.same(
    { port: config.port, host: config.host, databaseUrl: config.databaseUrl, dataDir: config.dataDir, trustProxy: config.trustProxy, secretKey: config.secretKey },
    { port: 8080, host: '127.0.0.1', databaseUrl: undefined, dataDir: './data', trustProxy: false, secretKey: undefined },
  )
  t.equal(config.bodyLimit, 4 * 1024 * 1024)
  t.equal(config.lockWaitSeconds, 30)
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
  t.equal(config.secretKey?.length, 32)
  t.equal(loadConfig({ LOCK_WAIT_SECONDS: '5' }).lockWaitSeconds, 5)
  t.equal(loadConfig({ CONNECTION_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKey?.length, 32, 'base64 key')
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
    [{ LOCK_WAIT_SECONDS: '0' }, /LOCK_WAIT_SECONDS="0" is not valid: use a number of seconds from 1 to 3600/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not valid: use one of fatal, error/],
    [{ CONNECTION_SECRET_KEY: 'short' }, /CONNECTION_SECRET_KEY is not valid: it must be 32 random bytes.*openssl rand -base64 32/],
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
