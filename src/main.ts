/**
 * `npm start`: reads the configuration, opens and migrates the connection database, and serves the endpoint
 * until SIGTERM or SIGINT.
 */
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { classifyDatabaseError } from './connections/availability.js'
import type { Database } from './connections/database.js'
import { openConfiguredDatabase } from './connections/from-config.js'
import { SecretBox } from './connections/secrets.js'
import { EmbeddedClusterError } from './connections/embedded-cluster.js'
import { SqlConnectionStore } from './connections/sql-store.js'
import { loadConnectors } from './connectors/registry.js'
import type { ErpConnector } from './connector/connector.js'
import { OnlineAuthenticator } from './online/authenticate.js'
import { SigningKeys } from './online/signing-keys.js'
import { buildServer, ENDPOINT_PATH } from './server.js'
import { checkDataDir, listenFailure, reachableHosts, StartupError } from './startup.js'
import { readTlsFiles, watchCertificate } from './tls.js'

let config: AppConfig
// Built before the database starts, so that a connector module that does not load stops the start at once.
let connectors: ErpConnector[]
try {
  config = loadConfig(process.env)
  await checkDataDir(config.dataDir)
  connectors = await loadConnectors({ dataDir: config.dataDir, connectors: config.connectors, maxWorkbooks: config.maxWorkbooks, env: process.env })
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof StartupError)) throw error
  console.error(error.message)
  process.exit(2)
}

let app: FastifyInstance | undefined
let database: Database
try {
  database = await openConfiguredDatabase(config, (error) =>
    app?.log.warn({ err: error }, 'the database connection pool lost a connection; it reconnects on the next call'),
  )
} catch (error) {
  cannotStart(error)
}
const store = new SqlConnectionStore(database, {
  secrets: config.secretKeys.length > 0 ? new SecretBox(config.secretKeys) : undefined,
  migrate: true,
  lockWaitMs: config.lockWaitSeconds * 1000,
  warn: (details, message) => app?.log.warn(details, message),
})
// A database that is down, or busy, is no reason not to serve: calls say so until it is back.
let databaseDown: unknown
try {
  await store.ready()
} catch (error) {
  if (classifyDatabaseError(error) === 'bug') cannotStart(error)
  databaseDown = error
}

function cannotStart(error: unknown): never {
  const where = config.databaseUrl ? 'the PostgreSQL server in DATABASE_URL' : `the embedded database in ${config.dataDir}`
  console.error(`Cannot start: ${where} is not usable. ${error instanceof Error ? error.message : String(error)}`)
  // EMBEDDED_DB_PORT taken is the operator's to fix, like a configuration error.
  process.exit(error instanceof EmbeddedClusterError && error.portTaken ? 2 : 1)
}
const signingKeys = config.online && new SigningKeys(config.online.keySources)

app = await buildServer({
  connectors,
  store,
  bodyLimit: config.bodyLimit,
  maxDepth: config.maxDepth,
  maxAttributes: config.maxAttributes,
  maxNamespaceDeclarations: config.maxNamespaceDeclarations,
  maxNameLength: config.maxNameLength,
  trustProxy: config.trustProxy,
  timeouts: config.timeouts,
  accessTokens: config.accessTokens,
  logger: { level: config.logLevel },
  ...(config.tls ? { https: readTlsFiles(config.tls) } : {}),
  online: new OnlineAuthenticator(config.online && signingKeys && { ...config.online, keys: signingKeys }),
  metrics: { access: config.metrics, pools: { queries: database.queryPool, locks: database.lockSessions } },
})
if (config.secretKeys.length === 0) {
  app.log.warn('CONNECTION_SECRET_KEY is not set: Password values of connections are stored as received. See README, "Secrets at rest".')
}

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing calls in progress')
    // A call that never ends must not keep the process from stopping.
    setTimeout(() => {
      app.log.error('calls still running after 15 s; stopping anyway')
      process.exit(1)
    }, 15_000).unref()
    app
      .close()
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed')
          process.exit(1)
        },
      )
  })
}

try {
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  const failure = listenFailure(error, config.host, config.port)
  if (!failure) throw error
  // Stops the embedded database and releases DATA_DIR first, so that the next start finds them free.
  await app.close()
  console.error(failure.message)
  process.exit(2)
}
if (config.tls) {
  const certificates = watchCertificate(app.server as unknown as { setSecureContext(options: object): void }, config.tls, app.log)
  process.on('SIGHUP', () => certificates.reload('SIGHUP'))
} else {
  // SIGHUP's default is to end the process at once, without stopping the embedded database: nothing to reload here.
  process.on('SIGHUP', () => app!.log.info('SIGHUP: nothing to reload (no TLS_CERT_FILE)'))
}
const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : config.port
// The token is not logged: the operator has it in ACCESS_TOKENS.
const urls = reachableHosts(config.host).map(
  (host) => `${config.tls ? 'https' : 'http'}://${host}:${port}${config.accessTokens.length > 0 ? '/<ACCESS_TOKEN>' : ''}${ENDPOINT_PATH}`,
)
app.log.info(
  { database: database.backend, location: database.location },
  `IErpConnectorWS ready: give SuperOffice ${urls[0]}${urls.length > 1 ? ` (or ${urls.slice(1).join(', ')})` : ''}`,
)
if (config.online && signingKeys) {
  app.log.info({ clientIds: config.online.clientIds }, 'CRM Online: Authenticate answers for these client ids')
  // Fetched now, as SuperOffice's sample does, so that the first Authenticate does not wait for them.
  void signingKeys.warmUp().then((problems) => {
    for (const problem of problems) app.log.warn(`CRM Online: ${problem}`)
  })
}
if (databaseDown !== undefined) {
  app.log.warn(
    { err: databaseDown },
    'the database cannot be used yet: calls that need it answer CONNECTION_STORE_UNAVAILABLE, and /healthz 503, until it is back',
  )
  const retry = setInterval(() => {
    store.ready().then(
      () => {
        clearInterval(retry)
        app.log.info('the database is back (migrations done): serving every call')
      },
      () => undefined,
    )
  }, 2000)
  retry.unref()
}
