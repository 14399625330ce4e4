import t from 'tap'
import { migrateToLatest, openDatabase } from '../../src/connections/database.js'
import { createTestDatabase } from '../helpers/database.js'
import { storeContract } from './store-contract.js'

const test = await createTestDatabase('postgres')
let current = test.database
t.teardown(async () => {
  await current.db.destroy().catch(() => undefined)
  await test.drop()
})
await storeContract(t, {
  database: current,
  async reopen() {
    await current.db.destroy()
    current = await openDatabase({ databaseUrl: test.url })
    await migrateToLatest(current.db)
    return current
  },
})
