/**
 * Starts the server as `npm start` does, from code: the configuration from an environment (the README's
 * Configuration table), the connectors, the connection database (opened and migrated; the embedded one when
 * DATABASE_URL is unset), and the endpoint, listening. src/main.ts runs it and turns its failures into exit codes.
 */
import type { FastifyInstance } from 'fastify'
import { loadConfig, type AppConfig } from './config.js'
import { classifyDatabaseError } from './connections/availability.js'
import type { Database } from './connections/database.js'
import { EmbeddedClusterError } from './connections/embedded-cluster.js'
import { openConfiguredDatabase } from './connections/from-config.js'
import { SecretBox } from './connections/secrets.js'
import { SqlConnectionStore } from './connections/sql-store.js'
import type { ErpConnector } from './connector/connector.js'
import { checkConnectors, closeConnectors, loadConnectors } from './connectors/registry.js'
import { OnlineAuthenticator } from './online/authenticate.js'
import { SigningKeys } from './online/signing-keys.js'
import { buildServer, ENDPOINT_PATH } from './server.js'
import { checkDataDir, DatabaseStartError, listenFailure, reachableHosts } from './startup.js'
import { readTlsFiles, watchCertificate } from './tls.js'

export interface StartOptions {
  /** The settings, named as in the README's Configuration table; default process.env. */
  env?: Readonly<Record<string, string | undefined>>
  /** Serve these connectors, in this order, instead of those CONNECTORS names. */
  connectors?: readonly ErpConnector[]
}

export interface StartedServer {
  app: FastifyInstance
  /** The endpoint's URLs a client can use (`<ACCESS_TOKEN>` standing for the token when ACCESS_TOKENS is set). */
  urls: string[]
  /** Serves renewed TLS certificate files now (as on SIGHUP); without TLS, logs that there is nothing to reload. */
  reload(reason: string): void
  /** Finishes calls in progress, then stops the connectors and the database. */
  close(): Promise<void>
}

/**
 * @throws ConfigError or StartupError for a setting or a machine to fix (npm start exits 2), or `connectors` that
 * cannot be served (none, one that is not a connector, two with one name: checked before the database starts);
 * DatabaseStartError when the connection database is not usable. A start that fails has stopped the connectors and
 * the database.
 * @example
 * const server = await startServer({ env: { ...process.env, PORT: '8080' }, connectors: [createAcmeConnector()] })
 * console.log(server.urls[0])
 * await server.close()
 */
export async function startServer(options: StartOptions = {}): Promise<StartedServer> {
  const env = options.env ?? process.env
  const given = options.connectors
  let config: AppConfig
  let connectors: readonly ErpConnector[]
  try {
    config = loadConfig(env)
    if (given) checkConnectors(given)
    await checkDataDir(config.dataDir)
    // Built before the database starts, so that a connector module that does not load stops the start at once.
    connectors = given ?? (await loadConnectors({ dataDir: config.dataDir, connectors: config.connectors, maxWorkbooks: config.maxWorkbooks, env }))
  } catch (error) {
    // The server owns the connectors it is given (close() stops them): a start that fails stops them too.
    if (given) await closeConnectors(given)
    throw error
  }

  let app: FastifyInstance | undefined
  const where = config.databaseUrl ? 'the PostgreSQL server in DATABASE_URL' : `the embedded database in ${config.dataDir}`
  const cannotStart = (error: unknown) =>
    // EMBEDDED_DB_PORT taken is the operator's to fix, like a configuration error.
    new DatabaseStartError(`Cannot start: ${where} is not usable. ${error instanceof Error ? error.message : String(error)}`, error instanceof EmbeddedClusterError && error.portTaken ? 2 : 1)
  let database: Database
  try {
    database = await openConfiguredDatabase(config, (error) =>
      app?.log.warn({ err: error }, 'the database connection pool lost a connection; it reconnects on the next call'),
    )
  } catch (error) {
    await closeConnectors(connectors)
    throw cannotStart(error)
  }
  // From here on, whatever fails stops the database (the embedded one would outlive the process) and the connectors.
  let store: SqlConnectionStore | undefined
  let databaseDown: unknown
  let server: FastifyInstance
  let signingKeys: SigningKeys | undefined
  try {
    store = new SqlConnectionStore(database, {
      secrets: config.secretKeys.length > 0 ? new SecretBox(config.secretKeys) : undefined,
      migrate: true,
      lockWaitMs: config.lockWaitSeconds * 1000,
      warn: (details, message) => app?.log.warn(details, message),
    })
    // A database that is down, or busy, is no reason not to serve: calls say so until it is back.
    try {
      await store.ready()
    } catch (error) {
      if (classifyDatabaseError(error) === 'bug') throw cannotStart(error)
      databaseDown = error
    }
    signingKeys = config.online ? new SigningKeys(config.online.keySources) : undefined
    server = await buildServer({
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
    app = server
  } catch (error) {
    await closeConnectors(connectors)
    // Closing the store destroys the database (its pools, and the embedded cluster); without a store, that is done here.
    await (store?.close() ?? database.close()).catch(() => database.close()).catch(() => undefined)
    throw error
  }
  const connectionStore = store
  if (config.secretKeys.length === 0) {
    server.log.warn('CONNECTION_SECRET_KEY is not set: Password values of connections are stored as received. See README, "Secrets at rest".')
  }

  try {
    await server.listen({ port: config.port, host: config.host })
  } catch (error) {
    const failure = listenFailure(error, config.host, config.port)
    // Stops the connectors and the embedded database and releases DATA_DIR first, so that the next start finds them free.
    await server.close()
    throw failure ?? error
  }
  let certificates: ReturnType<typeof watchCertificate> | undefined
  let urls: string[]
  try {
    certificates = config.tls && watchCertificate(server.server as unknown as { setSecureContext(options: object): void }, config.tls, server.log)
    const address = server.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    // The token is not logged: the operator has it in ACCESS_TOKENS.
    urls = reachableHosts(config.host).map(
      (host) => `${config.tls ? 'https' : 'http'}://${host}:${port}${config.accessTokens.length > 0 ? '/<ACCESS_TOKEN>' : ''}${ENDPOINT_PATH}`,
    )
  } catch (error) {
    certificates?.close()
    await server.close()
    throw error
  }
  server.log.info(
    { database: database.backend, location: database.location },
    `IErpConnectorWS ready: give SuperOffice ${urls[0]}${urls.length > 1 ? ` (or ${urls.slice(1).join(', ')})` : ''}`,
  )
  if (config.online && signingKeys) {
    const keys = signingKeys
    server.log.info({ clientIds: config.online.clientIds }, 'CRM Online: Authenticate answers for these client ids')
    // Fetched now, as SuperOffice's sample does, so that the first Authenticate does not wait for them.
    void keys.warmUp().then((problems) => {
      for (const problem of problems) server.log.warn(`CRM Online: ${problem}`)
    })
  }
  let retry: NodeJS.Timeout | undefined
  if (databaseDown !== undefined) {
    server.log.warn(
      { err: databaseDown },
      'the database cannot be used yet: calls that need it answer CONNECTION_STORE_UNAVAILABLE, and /healthz 503, until it is back',
    )
    retry = setInterval(() => {
      connectionStore.ready().then(
        () => {
          clearInterval(retry)
          server.log.info('the database is back (migrations done): serving every call')
        },
        () => undefined,
      )
    }, 2000)
    retry.unref()
  }
  return {
    app: server,
    urls,
    reload(reason) {
      if (certificates) certificates.reload(reason)
      else server.log.info(`${reason}: nothing to reload (no TLS_CERT_FILE)`)
    },
    async close() {
      clearInterval(retry)
      certificates?.close()
      await server.close()
    },
  }
}
