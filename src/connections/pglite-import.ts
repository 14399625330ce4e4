/**
 * Earlier versions kept the embedded database in DATA_DIR/db with PGlite. On the first start of this version its
 * rows are copied into the embedded cluster, checked, and only then is the old folder renamed (never deleted).
 * PGlite is loaded only when such a folder exists.
 */
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { sql, type Kysely, type Transaction } from 'kysely'
import { migrateTo, type Tables } from './database.js'
import { EmbeddedClusterError, isRunning } from './embedded-cluster.js'

interface TableSummary {
  rows: number
  checksum: string
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`
// Rows as text in a fixed order and time zone, so that both sides of the copy can be compared.
const summaryQuery = (table: string) =>
  `select count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as checksum from ${ident(table)} t`

/**
 * Copies DATA_DIR/db (PGlite) into `db` when it is there; returns what was done, for the log.
 * @example const notice = await importPgliteFolder(database.db, 'data')
 */
export async function importPgliteFolder(db: Kysely<Tables>, dataDir: string): Promise<string | undefined> {
  const folder = path.join(path.resolve(dataDir), 'db')
  if (!existsSync(path.join(folder, 'PG_VERSION'))) return undefined
  const owner = Number((await fs.readFile(`${folder}.lock`, 'utf8').catch(() => '')).trim())
  if (owner > 0 && owner !== process.pid && isRunning(owner)) {
    throw new EmbeddedClusterError(
      `An earlier version of this server (process ${owner}) still uses ${folder}: stop it, then start this one again to move its connections into the new embedded database.`,
    )
  }
  const { PGlite } = await import('@electric-sql/pglite')
  const source = await PGlite.create(folder)
  let copied = 0
  try {
    await source.exec(`set timezone = 'UTC'`)
    const applied = await source
      .query<{ name: string }>('select name from kysely_migration order by name')
      .then((r) => r.rows.map((row) => row.name))
      .catch(() => [] as string[])
    const tables = (
      await source.query<{ name: string }>(
        `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%' order by 1`,
      )
    ).rows.map((r) => r.name)
    const present = await sql<{ name: string }>`select name from kysely_migration order by name`
      .execute(db)
      .then((r) => r.rows.map((row) => row.name))
      .catch(() => [] as string[])
    if (present.length === 0 && applied.length > 0) await migrateTo(db, applied.at(-1)!)
    else if (present.join() !== applied.join()) {
      throw new EmbeddedClusterError(
        `${folder} (the PGlite database of an earlier version) and the embedded database in ${path.dirname(folder)}/pg have different migrations (${applied.join(', ') || 'none'} / ${present.join(', ')}). Move ${folder} away to keep the new database as it is.`,
      )
    }
    await db.transaction().execute(async (trx) => {
      await sql`set local timezone = 'UTC'`.execute(trx)
      for (const table of tables) {
        const expected = (await source.query<TableSummary>(summaryQuery(table))).rows[0]!
        const before = await summary(trx, table)
        if (before.rows === 0 && expected.rows > 0) {
          const rows = (await source.query<{ rows: string }>(`select coalesce(json_agg(t), '[]')::text as rows from ${ident(table)} t`)).rows[0]!.rows
          await sql`insert into ${sql.raw(ident(table))} select * from json_populate_recordset(null::${sql.raw(ident(table))}, ${rows}::json)`.execute(trx)
          copied += expected.rows
        }
        const after = await summary(trx, table)
        if (after.rows !== expected.rows || after.checksum !== expected.checksum) {
          throw new EmbeddedClusterError(
            before.rows === 0
              ? `Copying table ${table} from ${folder} did not give the same rows; nothing was changed. Keep ${folder}, and set DATABASE_URL or use an earlier version until this is solved.`
              : `${folder} (the PGlite database of an earlier version) and the embedded database both hold different rows of ${table}. Move ${folder} away to keep the new database as it is, or move ${path.dirname(folder)}/pg away to import the old one.`,
          )
        }
      }
    })
  } finally {
    await source.close()
  }
  const kept = await keepAside(folder)
  await fs.rm(`${folder}.lock`, { force: true })
  return `Moved ${copied} row(s) from the PGlite database of an earlier version into the embedded PostgreSQL; the old folder is kept as ${kept} (delete it once you no longer need it).`
}

async function summary(trx: Transaction<Tables>, table: string): Promise<TableSummary> {
  return (await sql.raw<TableSummary>(summaryQuery(table)).execute(trx)).rows[0]!
}

async function keepAside(folder: string): Promise<string> {
  let target = `${folder}.pglite-migrated`
  if (existsSync(target)) target = `${target}-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await fs.rename(folder, target)
  return target
}
