/**
 * The connection database the configuration names: DATABASE_URL, or the embedded one under DATA_DIR/db.
 */
import path from 'node:path'
import type { AppConfig } from '../config.js'
import { openDatabase, type Database } from './database.js'

export function openConfiguredDatabase(config: AppConfig, onPoolError?: (error: Error) => void): Promise<Database> {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDir: path.join(config.dataDir, 'db'),
    ...(onPoolError ? { onPoolError } : {}),
  })
}
