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
  t.same(config.timeouts, { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, idleTimeoutMs: 30_000 })
  t.same(config.accessTokens, [], 'no access tokens: the endpoint is open')
  t.same(config.connectors, ['excel'], 'only the Excel connector: the Memory demo is off unless asked for')
  t.equal(config.maxWorkbooks, 1000)
  t.same([config.maxAttributes, config.maxNamespaceDeclarations, config.maxNameLength], [500, 500, 4096], 'XML limits')
  t.equal(config.lockWaitSeconds, 30)
})

t.test('timeouts and access tokens', async (t) => {
  const tokens = ['0123456789abcdef0123456789abcdef0123456789abcdef', 'Zx8_-Qp3.Lm~Rt7Wv2Ny5Bc4Df6Gh9Jk']
  const config = loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '120000', IDLE_TIMEOUT_MS: '65000', ACCESS_TOKENS: ` ${tokens[0]} ,${tokens[1]},` })
  t.same(config.timeouts, { headersTimeoutMs: 5000, requestTimeoutMs: 120_000, idleTimeoutMs: 65_000 })
  t.same(config.accessTokens, tokens, 'several tokens, comma-separated, spaces trimmed')
  const weak = 'abababababababababababababababababababab'
  try {
    loadConfig({ ACCESS_TOKENS: `${tokens[0]},short-secret,${weak},${'x'.repeat(40)}/y`, HEADERS_TIMEOUT_MS: '9000', REQUEST_TIMEOUT_MS: '8000', IDLE_TIMEOUT_MS: '5s' })
    t.fail('accepted')
  } catch (error) {
    const message = (error as ConfigError).message
    t.match(message, /ACCESS_TOKENS is not valid: token 2 is 12 characters long; use at least 32: make one with: openssl rand -hex 32/)
    t.match(message, /token 3 is too easy to guess/)
    t.match(message, /token 4 has characters other than letters, digits/)
    t.notMatch(message, /token 1/, 'a good token passes')
    t.notMatch(message, /short-secret|abab/, 'the tokens are not repeated')
    t.match(message, /HEADERS_TIMEOUT_MS \(9000\) is longer than REQUEST_TIMEOUT_MS \(8000\)/)
    t.match(message, /IDLE_TIMEOUT_MS="5s" is not valid: use a time in milliseconds/)
  }
})

t.test('CONNECTORS and MAX_WORKBOOKS', async (t) => {
  t.same(loadConfig({ CONNECTORS: 'excel,memory' }).connectors, ['excel', 'memory'])
  t.same(loadConfig({ CONNECTORS: ' Memory , EXCEL ' }).connectors, ['memory', 'excel'], 'in the order given, any letter case')
  t.same(
    loadConfig({ CONNECTORS: './Acme/Connector.js,memory,@acme/erp-connector,constructor' }).connectors,
    ['./Acme/Connector.js', 'memory', '@acme/erp-connector', 'constructor'],
    'other entries are connector modules, kept as written (loading them is checked at start)',
  )
  t.equal(loadConfig({ MAX_WORKBOOKS: '25' }).maxWorkbooks, 25)
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
    MAX_ATTRIBUTES: '1000',
    MAX_NAMESPACE_DECLARATIONS: '50',
    MAX_NAME_LENGTH: '512',
  })
  t.same([config.maxAttributes, config.maxNamespaceDeclarations, config.maxNameLength], [1000, 50, 512])
  t.same([config.port, config.host, config.databaseUrl, config.dataDir, config.trustProxy, config.bodyLimit], [9000, '0.0.0.0', 'postgres://u:p@db:5432/erp', '/var/lib/erp', true, 1048576])
  t.same(config.secretKeys, [Buffer.alloc(32, 0xaa)])
  t.same(loadConfig({ CONNECTION_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKeys, [Buffer.alloc(32, 7)], 'base64 key')
  const ring = loadConfig({ CONNECTION_SECRET_KEY: ` ${Buffer.alloc(32, 1).toString('base64')} , ${'02'.repeat(32)}` }).secretKeys
  t.same(ring, [Buffer.alloc(32, 1), Buffer.alloc(32, 2)], 'a key ring: the new key first, then old ones, comma-separated')
  t.equal(loadConfig({ LOCK_WAIT_SECONDS: '5' }).lockWaitSeconds, 5)
})

t.test('METRICS: off by default, on, or token with ACCESS_TOKENS; anything else refused', async (t) => {
  const token = '0123456789abcdef0123456789abcdef0123456789abcdef'
  t.equal(loadConfig({}).metrics, 'off')
  t.equal(loadConfig({ METRICS: ' ON ' }).metrics, 'on', 'case and spaces do not matter')
  t.equal(loadConfig({ METRICS: 'token', ACCESS_TOKENS: token }).metrics, 'token')
  t.throws(() => loadConfig({ METRICS: 'token' }), { message: /METRICS=token serves \/metrics only under an access token, and ACCESS_TOKENS is not set: set ACCESS_TOKENS, or use METRICS=on/ })
  t.throws(() => loadConfig({ METRICS: 'yes' }), { message: /METRICS="yes" is not valid: use off, on .* or token/ })
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
    [{ MAX_ATTRIBUTES: '0' }, /MAX_ATTRIBUTES="0" is not valid: use a number of attributes per element from 8/],
    [{ MAX_NAMESPACE_DECLARATIONS: 'many' }, /MAX_NAMESPACE_DECLARATIONS="many" is not valid/],
    [{ MAX_NAME_LENGTH: '10' }, /MAX_NAME_LENGTH="10" is not valid: use a length in bytes from 256/],
    [{ LOCK_WAIT_SECONDS: '0' }, /LOCK_WAIT_SECONDS="0" is not valid: use a number of seconds from 1 to 3600/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not valid: use one of fatal, error/],
    [{ CONNECTION_SECRET_KEY: 'short' }, /CONNECTION_SECRET_KEY is not valid: it must be 32 random bytes.*openssl rand -base64 32/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},short` }, /CONNECTION_SECRET_KEY is not valid: key 2 of 2 must be 32 random bytes/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},` }, /CONNECTION_SECRET_KEY is not valid: key 2 of 2 is empty/],
    [{ CONNECTION_SECRET_KEY: `${'01'.repeat(32)},${Buffer.alloc(32, 1).toString('base64')}` }, /CONNECTION_SECRET_KEY is not valid: it lists the same key twice/],
    [{ CONNECTION_SECRET_KEY: 'a'.repeat(64), CONNECTION_SECRET_KEY_OLD: 'b'.repeat(64) }, /CONNECTION_SECRET_KEY_OLD is no longer read: list the old key after the new one/],
    [{ DATABASE_URL: 'postgres://h/db', EMBEDDED_DB_PORT: '5433' }, /EMBEDDED_DB_PORT applies only to the embedded database/],
    [{ CONNECTORS: 'excel,Excel' }, /CONNECTORS="excel,Excel" is not valid: list connectors separated by commas, each once: excel, memory, or connector modules by path or installed package name/],
    [{ CONNECTORS: 'excel,' }, /CONNECTORS="excel," is not valid/],
    [{ CONNECTORS: './acme.js, ./acme.js' }, /CONNECTORS=".\/acme.js, .\/acme.js" is not valid/],
    [{ MAX_WORKBOOKS: '0' }, /MAX_WORKBOOKS="0" is not valid: use a number of workbooks from 1 to 1000000/],
    [{ MAX_WORKBOOKS: 'many' }, /MAX_WORKBOOKS="many"/],
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

t.test('CRM Online settings: both key formats, every key source, and clear refusals', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const { createSign, createVerify } = await import('node:crypto')
  const { rsaKeyPair, toRsaXml } = await import('./helpers/online.js')
  const { createTestCa } = await import('./helpers/tls.js')
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-online-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  }
  const app = rsaKeyPair()
  const xml = file('app.xml', toRsaXml(app.privateKey))
  const pem = file('app.pem', app.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string)
  const pkcs8 = file('app.p8', app.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)
  const signed = createSign('RSA-SHA256').update('ABC.202612011200').sign(app.privateKey)
  for (const keyFile of [xml, pem, pkcs8]) {
    const online = loadConfig({ SUPEROFFICE_CLIENT_ID: 'dev-id, prod-id', SUPEROFFICE_PRIVATE_KEY: keyFile }).online
    t.same(online?.clientIds, ['dev-id', 'prod-id'], `${path.basename(keyFile)}: client ids`)
    t.same(online?.keySources, [{ kind: 'url', url: 'https://online.superoffice.com/login/.well-known/openid-configuration' }], 'production keys by default')
    const signature = createSign('RSA-SHA256').update('ABC.202612011200').sign(online!.privateKey)
    t.ok(createVerify('RSA-SHA256').update('ABC.202612011200').verify(app.publicKey, signature), `${path.basename(keyFile)}: the loaded key signs for the app public key`)
    t.same(signature, signed, `${path.basename(keyFile)}: the same key as generated`)
  }
  t.equal(loadConfig({}).online, undefined, 'unset: not configured')

  const jwks = file('jwks.json', JSON.stringify({ keys: [{ ...rsaKeyPair().publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }))
  const ca = createTestCa()
  t.teardown(() => ca.remove())
  const certificate = file('SuperOfficeFederatedLogin.crt', ca.cert)
  const sources = loadConfig({ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: xml, SUPEROFFICE_JWKS: `sod, STAGE,online,https://keys.example.com/jwks,${jwks},${certificate}` }).online!.keySources
  t.same(
    sources.map((s) => (s.kind === 'url' ? s.url : `${path.basename(s.path)}: ${s.keys.length} key(s)${s.keys[0]?.kid ? ` kid ${s.keys[0].kid}` : ''}`)),
    [
      'https://sod.superoffice.com/login/.well-known/openid-configuration',
      'https://qaonline.superoffice.com/login/.well-known/openid-configuration',
      'https://online.superoffice.com/login/.well-known/openid-configuration',
      'https://keys.example.com/jwks',
      'jwks.json: 1 key(s) kid k1',
      'SuperOfficeFederatedLogin.crt: 1 key(s)',
    ],
  )

  const publicOnly = file('public.xml', toRsaXml(app.privateKey).replace(/<(P|Q|DP|DQ|InverseQ|D)>[^<]*<\/\1>/g, ''))
  const rows: Array<[Record<string, string>, RegExp]> = [
    [{ SUPEROFFICE_CLIENT_ID: 'id' }, /SUPEROFFICE_PRIVATE_KEY is not set: give the path/],
    [{ SUPEROFFICE_PRIVATE_KEY: xml }, /SUPEROFFICE_CLIENT_ID is not set/],
    [{ SUPEROFFICE_JWKS: 'sod' }, /SUPEROFFICE_JWKS is set but SUPEROFFICE_CLIENT_ID and SUPEROFFICE_PRIVATE_KEY are not/],
    [{ SUPEROFFICE_CLIENT_ID: 'id;other', SUPEROFFICE_PRIVATE_KEY: xml }, /SUPEROFFICE_CLIENT_ID="id;other" is not valid/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: path.join(dir, 'missing.xml') }, /SUPEROFFICE_PRIVATE_KEY=".*missing.xml" is not usable: there is no such file/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: jwks }, /is not usable: it holds neither <RSAKeyValue> XML/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: publicOnly }, /is not usable: it holds a public key/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: file('bad.xml', '<RSAKeyValue><Modulus>!!</Modulus></RSAKeyValue>') }, /<Modulus> is not base64/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: xml, SUPEROFFICE_JWKS: 'http://keys.example.com/jwks' }, /is not https/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: xml, SUPEROFFICE_JWKS: 'production' }, /"production" is not sod, stage, online or an https URL, and as a file it is not usable: there is no such file/],
    [{ SUPEROFFICE_CLIENT_ID: 'id', SUPEROFFICE_PRIVATE_KEY: xml, SUPEROFFICE_JWKS: xml }, /as a file it is not usable: it is neither a JWKS/],
  ]
  for (const [env, message] of rows) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env).replaceAll(dir, '…'))
  }
})
