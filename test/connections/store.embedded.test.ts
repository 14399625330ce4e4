// The store contract against the embedded cluster, one cluster for the file; reopen() stops and starts it again.
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
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

t.test('EMBEDDED_DB_PORT taken by another program: one line saying what to do', async (t) => {
  await current.db.destroy()
  const squatter = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => squatter.close(resolve)))
  const { port } = squatter.address() as net.AddressInfo
  await t.rejects(openEmbeddedDatabase({ dataDir, port }), {
    message: `EMBEDDED_DB_PORT=${port} is in use by another program: choose another port, or leave EMBEDDED_DB_PORT unset to pick a free one.`,
  })
  current = await openEmbeddedDatabase({ dataDir })
  t.equal((await sql<{ one: number }>`select 1 as one`.execute(current.db)).rows[0]!.one, 1, 'the lock was released: the next start works')
})
