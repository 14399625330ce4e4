/**
 * `npm run rotate-secret-key`: re-seals stored Password values with a new key, in one transaction.
 *   CONNECTION_SECRET_KEY      the new key (required)
 *   CONNECTION_SECRET_KEY_OLD  the key values are sealed with now (unset if none was set before)
 * Stop the server first (the embedded database allows one process), run this, then start it with the new key.
 */
import { loadConfig, ConfigError } from '../src/config.js'
import { openConfiguredDatabase } from '../src/connections/from-config.js'
import { parseSecretKey, SecretBox } from '../src/connections/secrets.js'
import { SqlConnectionStore } from '../src/connections/sql-store.js'
import { passwordFields } from '../src/connector/host.js'
import { SHIPPED_CONNECTOR_NAMES, shippedConnectors } from '../src/connectors/registry.js'

try {
  const config = loadConfig(process.env)
  if (!config.secretKey) throw new ConfigError(['CONNECTION_SECRET_KEY is not set: set it to the new key (openssl rand -base64 32)'])
  let previous: SecretBox | undefined
  if (process.env.CONNECTION_SECRET_KEY_OLD?.trim()) {
    try {
      previous = new SecretBox(parseSecretKey(process.env.CONNECTION_SECRET_KEY_OLD))
    } catch (error) {
      throw new ConfigError([`CONNECTION_SECRET_KEY_OLD is not valid: it ${(error as Error).message}`])
    }
  }
  const next = new SecretBox(config.secretKey)
  const database = await openConfiguredDatabase(config)
  try {
    const store = new SqlConnectionStore(database, { secrets: next })
    const ctx = { log: console, exclusive: store.exclusive.bind(store) }
    const fieldsByConnector = new Map<string, ReadonlySet<string>>()
    // Every shipped connector, served or not: connections saved while one was served keep their sealed values.
    for (const connector of shippedConnectors({ dataDir: config.dataDir, connectors: SHIPPED_CONNECTOR_NAMES })) {
      fieldsByConnector.set(connector.name.toLowerCase(), await passwordFields(connector, ctx))
    }
    const counts = await store.resealSecrets(next, previous, (name) => fieldsByConnector.get(name.toLowerCase()))
    console.log(
      `rotate-secret-key: ${counts.connections} connection(s); ${counts.resealed} value(s) re-sealed, ${counts.sealed} sealed for the first time, with key ${next.fingerprint}`,
    )
  } finally {
    await database.db.destroy()
  }
} catch (error) {
  console.error(`rotate-secret-key: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
