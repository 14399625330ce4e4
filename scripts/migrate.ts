/**
 * `npm run migrate`: applies every pending migration to the configured database (DATABASE_URL, or the embedded
 * one in DATA_DIR). `npm run migrate -- --down` undoes the most recent one.
 */
import { ConfigError, loadConfig } from '../src/config.js'
import { migrateDown, migrateToLatest } from '../src/connections/database.js'
import { openConfiguredDatabase } from '../src/connections/from-config.js'

const down = process.argv.includes('--down')
let database: Awaited<ReturnType<typeof openConfiguredDatabase>> | undefined
try {
  database = await openConfiguredDatabase(loadConfig(process.env))
  const result = down ? await migrateDown(database.db) : await migrateToLatest(database.db)
  const done = result.results ?? []
  if (done.length === 0) console.log(`migrate: nothing to do (${database.backend}: ${database.location})`)
  for (const step of done) console.log(`migrate: ${step.direction === 'Down' ? 'undid' : 'applied'} ${step.migrationName} (${step.status})`)
} catch (error) {
  // A bad setting, or the embedded database in use by a running server: one line saying what to do.
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = error instanceof ConfigError ? 2 : 1
} finally {
  await database?.close()
}
