/**
 * The connection store's behaviour, run unchanged against real PostgreSQL and the embedded engine
 * (store.postgres.test.ts, store.embedded.test.ts).
 */
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Test } from 'tap'
import { migrateDown, migrateToLatest, type Database, type StoredValue } from '../../src/connections/database.js'
import { SecretBox } from '../../src/connections/secrets.js'
import { SqlConnectionStore } from '../../src/connections/sql-store.js'
import type { Connection } from '../../src/connector/connector.js'

export interface StoreFixture {
  database: Database
  /** Closes the database and opens it again from disk (a server restart). */
  reopen(): Promise<Database>
}

const connection = (id: string, config: Array<[string, string | null]>, connectorName = 'Memory'): Connection => ({
  id,
  connectorName,
  config: new Map(config),
})

async function setConfig(database: Database, id: string, config: Record<string, StoredValue>): Promise<void> {
  await database.db.updateTable('connections').set({ config: JSON.stringify(config) as unknown as Record<string, StoredValue> }).where('id', '=', id).execute()
}

/** The v1 format, written independently of the code under test: `v1:<sha256(key)[0:8]>:<base64 iv|tag|ciphertext>`. */
function sealV1(key: Buffer, plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return `v1:${createHash('sha256').update(key).digest('hex').slice(0, 8)}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
}

async function raw(database: Database, id: string) {
  return database.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function storeContract(t: Test, fixture: StoreFixture): Promise<void> {
  let database = fixture.database
  let store = new SqlConnectionStore(database)

  await t.test('save, find, overwrite, delete, find fails, save revives', async (t) => {
    const id = randomUUID()
    await store.save(connection(id, [['Filename', 'a.xlsx']]))
    t.same((await store.find(id))?.config, new Map([['Filename', 'a.xlsx']]))
    const created = (await raw(database, id)).created_at
    await store.save(connection(id, [['Filename', 'b.xlsx']], 'Other'))
    const overwritten = await store.find(id)
    t.same([overwritten?.connectorName, overwritten?.config], ['Other', new Map([['Filename', 'b.xlsx']])])
    t.equal(await store.delete(id), true)
    t.equal(await store.find(id), undefined, 'a deleted connection is not found')
    t.equal(await store.delete(id), false, 'deleting twice reports nothing deleted')
    const kept = await raw(database, id)
    t.ok(kept.deleted_at, 'the row is kept, marked deleted, for audit')
    await store.save(connection(id, [['Filename', 'c.xlsx']]))
    const revived = await raw(database, id)
    t.equal(revived.deleted_at, null, 'saving again revives it')
    t.same(revived.created_at, created, 'created_at is the first save')
    t.ok(revived.updated_at >= created)
    t.same((await store.find(id))?.config, new Map([['Filename', 'c.xlsx']]))
    t.equal(await store.find(randomUUID()), undefined, 'an unknown id is not found')
  })

  await t.test('configuration comes back exactly as received: order, nulls, Unicode', async (t) => {
    const id = randomUUID()
    const config: Array<[string, string | null]> = [
      ['10', 'ten'],
      ['2', 'two'],
      ['Filename', '  spaced 😀 \r\n '],
      ['Note', null],
      ['a', ''],
    ]
    await store.save(connection(id, config))
    t.same([...(await store.find(id))!.config], config)
    const row = await raw(database, id)
    t.same(row.config, { '10': 'ten', '2': 'two', Filename: '  spaced 😀 \r\n ', Note: null, a: '' }, 'an operator sees a plain JSON object')
  })

  await t.test('50 concurrent saves of one GUID leave one row holding one whole configuration', async (t) => {
    const id = randomUUID()
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.save(connection(id, [['Filename', `f${i}.xlsx`], ['Twin', `f${i}.xlsx`], [`Only${i}`, String(i)]])),
      ),
    )
    const rows = await database.db.selectFrom('connections').select('id').where('id', '=', id).execute()
    t.equal(rows.length, 1)
    const config = (await store.find(id))!.config
    const filename = config.get('Filename')!
    const i = /^f(\d+)\.xlsx$/.exec(filename)![1]
    t.same([...config], [['Filename', filename], ['Twin', filename], [`Only${i}`, i]], 'no mix of two saves')
  })

  await t.test('Password values are sealed at rest when a key is set', async (t) => {
    const box = new SecretBox([randomBytes(32)])
    const sealing = new SqlConnectionStore(database, { secrets: box })
    const id = randomUUID()
    await sealing.save(connection(id, [['User', 'erp'], ['Password', 'hunter2'], ['Empty', null]]), { secretFields: new Set(['Password', 'Empty']) })
    const row = await raw(database, id)
    t.equal(row.config.User, 'erp')
    t.match(row.config.Password, { encrypted: new RegExp(`^v2:${box.keyId}:`) })
    t.notMatch(JSON.stringify(row.config), /hunter2/, 'the secret is not in the row')
    t.equal(row.config.Empty, null)
    t.same([...(await sealing.find(id))!.config], [['User', 'erp'], ['Password', 'hunter2'], ['Empty', null]])
    await t.rejects(store.find(id), /encrypted, but CONNECTION_SECRET_KEY is not set/, 'no key: a clear error')
    const other = new SqlConnectionStore(database, { secrets: new SecretBox([randomBytes(32)]) })
    await t.rejects(other.find(id), { problem: 'key', message: new RegExp(`sealed with key ${box.keyId}, but CONNECTION_SECRET_KEY holds key\\(s\\) [0-9a-f]{8}: add the key`) })
  })

  await t.test('a sealed value is bound to its connection and field: copied elsewhere, it does not open', async (t) => {
    const box = new SecretBox([randomBytes(32)])
    const sealing = new SqlConnectionStore(database, { secrets: box })
    const [a, b] = [randomUUID(), randomUUID()]
    await sealing.save(connection(a, [['Password', 'secret-of-a'], ['Token', 'token-of-a']]), { secretFields: new Set(['Password', 'Token']) })
    await sealing.save(connection(b, [['Password', 'secret-of-b']]), { secretFields: new Set(['Password']) })
    const sealedA = (await raw(database, a)).config.Password!
    await setConfig(database, b, { Password: sealedA })
    await t.rejects(sealing.find(b), { problem: 'value', message: new RegExp(`field "Password" of connection ${b} \\(sealed with key ${box.keyId}\\) failed its integrity check: it was altered, or copied`) }, 'another row')
    await setConfig(database, a, { Password: sealedA, Token: sealedA })
    await t.rejects(sealing.find(a), { problem: 'value', message: /field "Token"/ }, 'another field of the same row')
  })

  await t.test('a key ring: seals with the first key, opens with any; v1 values still open; rotation runs twice', async (t) => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)]
    const before = new SqlConnectionStore(database, { secrets: new SecretBox([oldKey]) })
    const [sealedId, v1Id, plainId] = [randomUUID(), randomUUID(), randomUUID()]
    await before.save(connection(sealedId, [['Password', 'sealed-with-old']]), { secretFields: new Set(['Password']) })
    // A value as the previous format wrote it, made here with node:crypto alone: v1, no associated data.
    await store.save(connection(v1Id, [['Password', 'x']]))
    await setConfig(database, v1Id, { Password: { encrypted: sealV1(oldKey, 'v1-with-old') } })
    await store.save(connection(plainId, [['Password', 'plain-before-key']], 'Memory'))

    const ring = new SecretBox([newKey, oldKey])
    const during = new SqlConnectionStore(database, { secrets: ring })
    t.equal((await during.find(sealedId))!.config.get('Password'), 'sealed-with-old', 'the old key still opens its values')
    t.equal((await during.find(v1Id))!.config.get('Password'), 'v1-with-old', 'a v1 value still opens')
    const savedNow = randomUUID()
    await during.save(connection(savedNow, [['Password', 'new']]), { secretFields: new Set(['Password']) })
    t.match((await raw(database, savedNow)).config.Password, { encrypted: new RegExp(`^v2:${ring.keyId}:`) }, 'new values are sealed with the first key')

    const fields = (name: string) => (name === 'Memory' ? new Set(['Password']) : undefined)
    const first = await during.resealSecrets(ring, fields)
    t.ok(first.resealed >= 2 && first.sealed >= 1, `first run: ${JSON.stringify(first)}`)
    // Other tests of this file leave values sealed with keys of their own: those are listed, not these.
    const mine = (list: Array<{ connectionId: string }>) => list.filter((v) => ([sealedId, v1Id, plainId, savedNow] as string[]).includes(v.connectionId))
    t.same(mine(first.unreadable), [])
    const second = await during.resealSecrets(ring, fields)
    t.same([second.resealed, second.sealed, mine(second.unreadable)], [0, 0, []], 'a second run re-seals nothing')

    const after = new SqlConnectionStore(database, { secrets: new SecretBox([newKey]) })
    t.equal((await after.find(sealedId))!.config.get('Password'), 'sealed-with-old', 'the old key can be dropped')
    t.equal((await after.find(v1Id))!.config.get('Password'), 'v1-with-old')
    t.equal((await after.find(plainId))!.config.get('Password'), 'plain-before-key')
    for (const id of [sealedId, v1Id, plainId]) t.match((await raw(database, id)).config.Password, { encrypted: new RegExp(`^v2:${ring.keyId}:`) })
    await t.rejects(before.find(sealedId), /sealed with key/, 'the old key alone no longer opens it')
  })

  await t.test('rotation leaves a value no key opens as it is, lists it, and re-seals the rest', async (t) => {
    const [lostKey, key] = [randomBytes(32), randomBytes(32)]
    const lost = randomUUID()
    await new SqlConnectionStore(database, { secrets: new SecretBox([lostKey]) }).save(connection(lost, [['Password', 'p']]), { secretFields: new Set(['Password']) })
    const stored = (await raw(database, lost)).config.Password
    const result = await store.resealSecrets(new SecretBox([key]), () => undefined)
    t.match(
      result.unreadable.filter((v) => v.connectionId === lost),
      [{ connectionId: lost, fieldKey: 'Password', reason: /sealed with key/ }],
    )
    t.same((await raw(database, lost)).config.Password, stored, 'unchanged')
  })

  await t.test('each use is recorded: when, how it ended, and the last error', async (t) => {
    const id = randomUUID()
    await store.save(connection(id, [['Filename', 'x.xlsx']]))
    t.equal((await raw(database, id)).last_used_at, null)
    await store.recordUse(id, { state: 'Error', errorCode: 'EX', explanation: 'Exception in ERP Connector: boom' })
    const failed = await raw(database, id)
    t.same([failed.last_state, failed.last_error], ['Error', 'EX: Exception in ERP Connector: boom'])
    t.ok(failed.last_used_at && failed.last_error_at)
    await store.recordUse(id, { state: 'Ok', errorCode: '', explanation: '' })
    const ok = await raw(database, id)
    t.equal(ok.last_state, 'Ok')
    t.equal(ok.last_error, 'EX: Exception in ERP Connector: boom', 'the last error stays for the operator')
  })

  await t.test('uses are written together: one statement for many calls, the last error kept', async (t) => {
    const [busy, failing] = [randomUUID(), randomUUID()]
    await store.save(connection(busy, []))
    await store.save(connection(failing, []))
    // Counts the UPDATE statements on the table, whatever their number of rows.
    await sql`create table use_statements (at timestamptz default now())`.execute(database.db)
    await sql`create function count_use_statement() returns trigger language plpgsql as $$ begin insert into use_statements default values; return null; end $$`.execute(database.db)
    await sql`create trigger count_use after update on connections for each statement execute function count_use_statement()`.execute(database.db)
    t.teardown(async () => {
      await sql`drop trigger count_use on connections`.execute(database.db)
      await sql`drop function count_use_statement()`.execute(database.db)
      await sql`drop table use_statements`.execute(database.db)
    })
    const ok = { state: 'Ok', errorCode: '', explanation: '' }
    await Promise.all([
      ...Array.from({ length: 30 }, () => store.recordUse(busy, ok)),
      store.recordUse(failing, { state: 'Error', errorCode: 'EX', explanation: 'boom' }),
      store.recordUse(failing, ok),
    ])
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from use_statements`.execute(database.db)
    t.equal(rows[0]!.n, 1, '32 uses of two connections: one UPDATE')
    t.same([(await raw(database, busy)).last_state, (await raw(database, busy)).last_error], ['Ok', null])
    const failed = await raw(database, failing)
    t.same([failed.last_state, failed.last_error], ['Ok', 'EX: boom'], 'the latest state, and the error before it')
    t.ok(failed.last_error_at && failed.last_used_at && failed.last_used_at >= failed.last_error_at)
  })

  await t.test('health', async (t) => {
    t.match(await store.health(), { ok: true, backend: database.backend })
  })

  await t.test('a saved connection survives a restart, and so do uses not yet written', async (t) => {
    const id = randomUUID()
    await store.save(connection(id, [['Filename', 'kept.xlsx']]))
    void store.recordUse(id, { state: 'Warning', errorCode: '', explanation: '' })
    await store.close()
    database = await fixture.reopen()
    store = new SqlConnectionStore(database)
    t.same((await store.find(id))?.config, new Map([['Filename', 'kept.xlsx']]))
    t.equal((await raw(database, id)).last_state, 'Warning', 'closing the store wrote the pending use')
  })

  await t.test('migrations go down and up again', async (t) => {
    await migrateDown(database.db)
    await t.rejects(sql`select 1 from connections`.execute(database.db), /connections/)
    await migrateToLatest(database.db)
    t.equal(await store.find(randomUUID()), undefined, 'the table is back')
  })
}
