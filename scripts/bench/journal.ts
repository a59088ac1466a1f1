// The journal's side of a first run: the physical limit's own journal table, and cw-maint's
// journal without its foreign key, each set up on a run's copy before the clock starts.
import { sql } from 'kysely';
import { JOURNAL_SCHEMA } from './data.js';
import { open, type BenchEngine } from './engine.js';
import { BENCH_JOURNAL } from './script-sql.js';

const [SCHEMA, TABLE] = BENCH_JOURNAL.split('.') as [string, string];

/**
 * BENCH_JOURNAL shaped as cw-maint's journal (src/journal/migrations.ts, journal_v3: the same
 * columns and types, primary key and index), with or without the foreign key to a run table that
 * holds run 1. Outside cw-maint's schema, whose preflight refuses tables not its own. Returns the
 * clean-up: SQL Server and Babelfish reuse one database for every run.
 */
export async function createBenchJournal(engine: BenchEngine, database: string, withFk: boolean): Promise<() => Promise<void>> {
  const h = await open(engine, database, 1);
  try {
    const t = h.adapter.ddl.types;
    const db = h.db.withSchema(SCHEMA);
    await sql.raw(engine.engine === 'postgres' ? `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}` : `IF SCHEMA_ID('${SCHEMA}') IS NULL EXEC('CREATE SCHEMA ${SCHEMA}')`).execute(h.db);
    await db.schema.createTable('run').addColumn('run_id', 'integer', (c) => c.notNull().primaryKey()).execute();
    await sql.raw(`INSERT INTO ${SCHEMA}.run (run_id) VALUES (1)`).execute(h.db);
    await db.schema
      .createTable(TABLE)
      .addColumn('run_id', 'integer', (c) => (withFk ? c.notNull().references(`${SCHEMA}.run.run_id`) : c.notNull()))
      .addColumn('contact_recid', 'integer', (c) => c.notNull())
      .addColumn('column_name', t.shortText(128), (c) => c.notNull())
      .addColumn('old_value', 'integer')
      .addColumn('new_value', 'integer')
      .addColumn('old_last_update', t.timestamp)
      .addColumn('old_last_update_utc', t.timestamp)
      .addColumn('old_updated_by', t.shortText(128))
      .addColumn('new_last_update', t.timestamp)
      .addColumn('new_last_update_utc', t.timestamp)
      .addColumn('new_updated_by', t.shortText(128))
      .addPrimaryKeyConstraint('journal_pk', ['run_id', 'contact_recid', 'column_name'])
      .execute();
    await db.schema.createIndex('journal_contact').on(TABLE).columns(['contact_recid', 'run_id']).execute();
  } finally {
    await h.db.destroy();
  }
  return async () => {
    const c = await open(engine, database, 1);
    try {
      await c.db.withSchema(SCHEMA).schema.dropTable(TABLE).execute();
      await c.db.withSchema(SCHEMA).schema.dropTable('run').execute();
    } finally {
      await c.db.destroy();
    }
  };
}
