/**
 * The connection database the configuration names: DATABASE_URL, or the embedded cluster in DATA_DIR/pg.
 */
import type { AppConfig } from '../config.js'
import { openDatabase, type Database } from './database.js'
import { startEmbeddedCluster } from './embedded-cluster.js'
import { importPgliteFolder } from './pglite-import.js'

export function openConfiguredDatabase(config: AppConfig, onPoolError?: (error: Error) => void): Promise<Database> {
  if (config.databaseUrl) return openDatabase({ databaseUrl: config.databaseUrl, ...(onPoolError ? { onPoolError } : {}) })
  return openEmbeddedDatabase({ dataDir: config.dataDir, port: config.embeddedDbPort, ...(onPoolError ? { onPoolError } : {}) })
}

export interface EmbeddedDatabaseOptions {
  dataDir: string
  port?: number | undefined
  timeoutMs?: number
  onPoolError?: (error: Error) => void
  /** Told once, when the PGlite folder of an earlier version has been moved in. */
  onNotice?: (message: string) => void
}

/**
 * Starts the embedded cluster (and moves in an earlier version's PGlite data): destroying the Kysely instance
 * stops the cluster.
 * @example const database = await openEmbeddedDatabase({ dataDir: 'data' })
 */
export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<Database> {
  const cluster = await startEmbeddedCluster({
    dataDir: options.dataDir,
    port: options.port,
    ...(options.onPoolError ? { onRestart: (message: string) => options.onPoolError!(new Error(message)) } : {}),
  })
  const database = await openDatabase({
    databaseUrl: cluster.url,
    embedded: { location: cluster.dir, stop: cluster.stop },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
  })
  try {
    const notice = await importPgliteFolder(database.db, options.dataDir)
    if (notice) (options.onNotice ?? console.error)(notice)
  } catch (error) {
    await database.close()
    throw error
  }
  return database
}
