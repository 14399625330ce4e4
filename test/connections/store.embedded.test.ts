import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { migrateToLatest, openDatabase, type Database } from '../../src/connections/database.js'
import { storeContract } from './store-contract.js'

const dir = mkdtempSync(path.join(tmpdir(), 'erp-embedded-'))
let current: Database = await openDatabase({ embeddedDir: dir })
await migrateToLatest(current.db)
t.teardown(async () => {
  await current.db.destroy()
  rmSync(dir, { recursive: true, force: true })
})
await storeContract(t, {
  database: current,
  async reopen() {
    await current.db.destroy()
    current = await openDatabase({ embeddedDir: dir })
    await migrateToLatest(current.db)
    return current
  },
})
