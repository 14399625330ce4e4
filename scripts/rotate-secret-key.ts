/**
 * `npm run rotate-secret-key`: re-seals every stored Password value with the first key of CONNECTION_SECRET_KEY
 * (a comma-separated key ring, the new key first, the old ones after), in one transaction; plain values of Password
 * fields (stored before any key was set) are sealed for the first time. With PostgreSQL it may run while servers
 * run with the same ring: the rows are locked while it writes. Running it again re-seals nothing. Values that no key
 * of the ring opens are left as they are and listed; the exit status is then 1.
 */
import { loadConfig, ConfigError } from '../src/config.js'
import { openConfiguredDatabase } from '../src/connections/from-config.js'
import { SecretBox } from '../src/connections/secrets.js'
import { SqlConnectionStore } from '../src/connections/sql-store.js'
import { passwordFields } from '../src/connector/host.js'
import { closeConnectors, loadConnectors, SHIPPED_CONNECTOR_NAMES, shippedConnectors } from '../src/connectors/registry.js'

// A module that fails to load can also leave a rejection nothing awaits (Node 20's loader reports it twice): one line.
process.on('unhandledRejection', (reason) => {
  console.error(`rotate-secret-key: ${reason instanceof Error ? reason.message : String(reason)}`)
  process.exitCode = 1
})

try {
  const config = loadConfig(process.env)
  if (config.secretKeys.length === 0) {
    throw new ConfigError(['CONNECTION_SECRET_KEY is not set: set it to "NEW,OLD", the new key (openssl rand -base64 32) then the current one'])
  }
  const secrets = new SecretBox(config.secretKeys)
  // The connectors CONNECTORS lists, as the server loads them (a module may take a shipped connector's name), then
  // every other shipped connector: connections saved while one was served keep their sealed values. Loaded and
  // asked for their Password fields before the database opens, as the server does, so that a connector that
  // cannot load stops nothing half-started.
  const connectors = await loadConnectors({ dataDir: config.dataDir, connectors: config.connectors, maxWorkbooks: config.maxWorkbooks })
  const taken = new Set(connectors.map((connector) => connector.name.toLowerCase()))
  for (const connector of shippedConnectors({ dataDir: config.dataDir, connectors: SHIPPED_CONNECTOR_NAMES })) {
    if (taken.has(connector.name.toLowerCase())) await connector.close?.()
    else connectors.push(connector)
  }
  const fieldsByConnector = new Map<string, ReadonlySet<string>>()
  try {
    // Field metadata needs no lock: a context whose exclusive() just runs the work.
    const ctx = { log: console, exclusive: <R>(_key: string, work: () => Promise<R>) => work() }
    for (const connector of connectors) fieldsByConnector.set(connector.name.toLowerCase(), await passwordFields(connector, ctx))
  } finally {
    await closeConnectors(connectors)
  }
  const database = await openConfiguredDatabase(config)
  try {
    const store = new SqlConnectionStore(database, { secrets })
    const counts = await store.resealSecrets(secrets, (name) => fieldsByConnector.get(name.toLowerCase()))
    console.log(
      `rotate-secret-key: ${counts.connections} connection(s); ${counts.resealed} value(s) re-sealed, ${counts.sealed} sealed for the first time, with key ${secrets.keyId}`,
    )
    for (const value of counts.unreadable) console.error(`rotate-secret-key: left as it is: ${value.reason}`)
    if (counts.unreadable.length > 0) {
      console.error(
        `rotate-secret-key: ${counts.unreadable.length} value(s) could not be opened. Add the key they were sealed with to CONNECTION_SECRET_KEY (after the new one) and run this again, or enter those passwords again in SuperOffice Admin.`,
      )
      process.exitCode = 1
    }
  } finally {
    await database.close()
  }
} catch (error) {
  console.error(`rotate-secret-key: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
