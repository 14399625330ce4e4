// The store contract against the embedded cluster, one cluster for the file; reopen() stops and starts it again.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { migrateToLatest, type Database } from '../../src/connections/database.js'
import { openEmbeddedDatabase } from '../../src/connections/from-config.js'
import { storeContract } from './store-contract.js'

const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-embedded-'))
let current: Database = await openEmbeddedDatabase({ dataDir })
await migrateToLatest(current.db)
t.teardown(async () => {
  await current.db.destroy().catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
})
await storeContract(t, {
  database: current,
  async reopen() {
    await current.db.destroy()
    current = await openEmbeddedDatabase({ dataDir })
    await migrateToLatest(current.db)
    return current
  },
})
