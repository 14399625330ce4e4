/**
 * `npm start`: reads the configuration, opens and migrates the connection database, and serves the endpoint
 * until SIGTERM or SIGINT.
 */
import path from 'node:path'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest, openDatabase } from './connections/database.js'
import { SecretBox } from './connections/secrets.js'
import { SqlConnectionStore } from './connections/sql-store.js'
import { createMemoryConnector } from './connectors/memory.js'
import { buildServer, ENDPOINT_PATH } from './server.js'

let config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(2)
}

const database = await openDatabase({
  databaseUrl: config.databaseUrl,
  embeddedDir: path.join(config.dataDir, 'db'),
  onPoolError: (error) => app?.log.warn({ err: error }, 'the database connection pool lost a connection'),
})
await migrateToLatest(database.db)
const store = new SqlConnectionStore(database, { secrets: config.secretKey && new SecretBox(config.secretKey) })

const app = await buildServer({
  connectors: [createMemoryConnector()],
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
    app.close().then(
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
