// An earlier version's PGlite folder (DATA_DIR/db) is moved into the embedded cluster on first start: every row and
// column arrives, the old folder is kept until the copy is checked, and a second start neither copies twice nor
// overwrites rows the new database already has.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { sql } from 'kysely'
import t from 'tap'
import { migrateToLatest } from '../../src/connections/database.js'
import { openEmbeddedDatabase } from '../../src/connections/from-config.js'

const dataDir = mkdtempSync(path.join(tmpdir(), 'erp-pglite-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const oldFolder = path.join(dataDir, 'db')
const kept = path.join(dataDir, 'db.pglite-migrated')

// The schema as migrations/2026-11-27-001-connections.ts and Kysely's migrator made it in the earlier version.
const OLD_SCHEMA = `
create table kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null);
create table kysely_migration_lock (id varchar(255) not null primary key, is_locked integer not null default 0);
insert into kysely_migration_lock values ('migration_lock', 0);
insert into kysely_migration values ('2026-11-27-001-connections', '2026-11-27T10:00:00.000Z');
create table connections (
  id uuid primary key, connector_name text not null, config jsonb not null, config_keys text[] not null,
  created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
  deleted_at timestamptz, last_used_at timestamptz, last_state text, last_error_at timestamptz, last_error text);
insert into connections values
  ('3aef3af6-8642-4fc1-8dc9-4e08bd76a6bf', 'Excel',
   '{"10": "ten", "Filename": "ErpClient.xlsx", "Password": {"encrypted": "v1:AAECAwQ"}, "Note": null, "Empty": ""}',
   array['10', 'Filename', 'Password', 'Note', 'Empty'],
   '2026-11-27 10:00:00.123456+00', '2026-11-28 11:30:00.654321+00', null,
   '2026-11-29 08:15:00.000001+00', 'Warning', '2026-11-28 12:00:00+00', 'EX: Exception in ERP Connector: "quoted", {braced}, 😀'),
  ('00000000-0000-0000-0000-000000000001', 'Memory', '{"Dataset": "  spaced \\r\\n 😀 "}',
   array['a,b', '"q"', 'NULL', '', '{x}', 'back\\slash', 'ü'],
   '2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00', '2026-01-03 00:00:00+00', null, null, null, null);
insert into connections (id, connector_name, config, config_keys, created_at, last_used_at, last_state)
  select ('10000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'Excel', jsonb_build_object('Filename', 'f' || i || '.xlsx'),
         array['Filename'], timestamptz '2026-06-01 00:00:00+00' + i * interval '1 minute 0.5 second', now(), 'Ok'
  from generate_series(1, 200) i;
`
const ROWS = `select row_to_json(c)::text as row from connections c order by id`

async function pgliteRows(folder: string): Promise<string[]> {
  const db = await PGlite.create(folder)
  try {
    await db.exec(`set timezone = 'UTC'`)
    return (await db.query<{ row: string }>(ROWS)).rows.map((r) => r.row)
  } finally {
    await db.close()
  }
}

async function start() {
  const notices: string[] = []
  const database = await openEmbeddedDatabase({ dataDir, onNotice: (m) => notices.push(m) })
  await migrateToLatest(database.db)
  const rows = await database.db.transaction().execute(async (trx) => {
    await sql`set local timezone = 'UTC'`.execute(trx)
    return (await sql.raw<{ row: string }>(ROWS).execute(trx)).rows.map((r) => r.row)
  })
  return { database, notices, rows }
}

const before = await (async () => {
  const old = await PGlite.create(oldFolder)
  try {
    await old.exec(OLD_SCHEMA)
    await old.exec(`set timezone = 'UTC'`)
    return (await old.query<{ row: string }>(ROWS)).rows.map((r) => r.row)
  } finally {
    await old.close()
  }
})()

t.test('first start: every row and column of the PGlite folder arrives, the old folder is kept aside', async (t) => {
  t.equal(before.length, 202)
  const { database, notices, rows } = await start()
  await database.db.destroy()
  t.same(rows, before, 'each row, every column, as the earlier version stored it')
  t.match(JSON.parse(rows.find((r) => r.includes('3aef3af6'))!), {
    config: { Password: { encrypted: 'v1:AAECAwQ' }, Note: null },
    config_keys: ['10', 'Filename', 'Password', 'Note', 'Empty'],
    created_at: '2026-11-27T10:00:00.123456+00:00',
  })
  t.same(notices, [`Moved 202 row(s) from the PGlite database of an earlier version into the embedded PostgreSQL; the old folder is kept as ${kept} (delete it once you no longer need it).`])
  t.notOk(existsSync(oldFolder))
  t.same(await pgliteRows(kept), before, 'the old folder is intact')
})

t.test('a start interrupted after the copy, before the rename: nothing copied twice', async (t) => {
  renameSync(kept, oldFolder)
  const { database, notices, rows } = await start()
  t.same(rows, before)
  t.match(notices, [/^Moved 0 row\(s\)/])
  t.ok(existsSync(kept))

  // The new database changes, then the old folder turns up again: neither side is overwritten.
  await sql`delete from connections where connector_name = 'Memory'`.execute(database.db)
  await database.db.destroy()
  renameSync(kept, oldFolder)
  const refused = await openEmbeddedDatabase({ dataDir }).catch((e: Error) => e)
  t.match(refused, { message: /both hold different rows of connections\. Move \S+ away to keep the new database as it is/ })
  t.ok(existsSync(path.join(oldFolder, 'PG_VERSION')), 'the old folder stays where it was')
})
