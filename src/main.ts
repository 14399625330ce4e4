/**
 * `npm start`: reads the configuration, opens and migrates the connection database, and serves the endpoint
 * until SIGTERM or SIGINT.
 */
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { migrateToLatest, type Database } from './connections/database.js'
import { openConfiguredDatabase } from './connections/from-config.js'
import { SecretBox } from './connections/secrets.js'
import { SqlConnectionStore } from './connections/sql-store.js'
import { shippedConnectors } from './connectors/registry.js'
import { buildServer, ENDPOINT_PATH } from './server.js'

let config: AppConfig
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(2)
}

let app: FastifyInstance | undefined
let database: Database
try {
  database = await openConfiguredDatabase(config, (error) =>
    app?.log.warn({ err: error }, 'the database connection pool lost a connection; it reconnects on the next call'),
  )
  await migrateToLatest(database.db)
} catch (error) {
  const where = config.databaseUrl ? 'the PostgreSQL server in DATABASE_URL' : `the embedded database in ${config.dataDir}`
  console.error(`Cannot start: ${where} is not usable. ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
const store = new SqlConnectionStore(database, { secrets: config.secretKey && new SecretBox(config.secretKey) })

app = await buildServer({
  connectors: shippedConnectors({ dataDir: config.dataDir }),
  store,
  bodyLimit: config.bodyLimit,
  maxDepth: config.maxDepth,
  trustProxy: config.trustProxy,
  logger: { level: config.logLevel },
})
if (!config.secretKey) {
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

await app.listen({ port: config.port, host: config.host })
const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host
const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : config.port
app.log.info(
  { database: database.backend, location: database.location },
  `IErpConnectorWS ready: give SuperOffice http://${shownHost}:${port}${ENDPOINT_PATH}`,
)
