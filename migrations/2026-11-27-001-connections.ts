// Frozen in time: this file never imports application code, so it runs the same on every later version.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('connector_name', 'text', (c) => c.notNull())
    // FieldKey -> value as received; a Password value is {"encrypted": "..."} when a key is configured.
    .addColumn('config', 'jsonb', (c) => c.notNull())
    // jsonb does not keep key order; the order SuperOffice sent is kept here.
    .addColumn('config_keys', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('last_state', 'text')
    .addColumn('last_error_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('connections').execute()
}
