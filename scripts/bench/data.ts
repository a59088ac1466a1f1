// The data each measurement runs on: one seeded database per size, reshaped per change rate, and
// an identical fresh copy of that shaped state for every single run (raw or job alike).
//   PostgreSQL: the shaped database is a template; each run gets CREATE DATABASE … TEMPLATE.
//   SQL Server / Babelfish (no templates): the columns a run can touch are saved after shaping and
//   restored before each run, cw-maint's run and journal rows are removed, and statistics refreshed.
import { sql, type Kysely } from 'kysely';
import { seedConnectWise } from '../../src/fixture/generate.js';
import { migrateToLatest } from '../../src/journal/migrator.js';
import { open, type BenchDatabases, type BenchEngine } from './engine.js';
import { rowsToChange, shapeSql, type AuditValues, type ScriptSql } from './script-sql.js';

export const JOURNAL_SCHEMA = 'cw_maint';
const SAVED = 'cwm_bench.saved_contact';
const TOUCHED = ['Disable_Flag', 'Last_Update', 'Last_Update_UTC', 'Updated_By'];

export interface SizeData {
  /** The database holding the seeded (and, per rate, reshaped) data. */
  base: string;
  /** Contacts as generated (about the requested number: 0 to 8 per company). */
  totalContacts: number;
  companies: number;
  /** The audit columns' values as cw-maint writes them, for the raw UPDATE that sets them too. */
  audit: AuditValues;
}

export interface ShapedData {
  matched: number;
  toChange: number;
  /** A database holding exactly the shaped state, for one run; dispose() after it. */
  fresh(): Promise<{ database: string; dispose(): Promise<void> }>;
}

export async function seedSize(engine: BenchEngine, dbs: BenchDatabases, contacts: number): Promise<SizeData> {
  const base = dbs.name(String(contacts));
  await dbs.create(base);
  const h = await open(engine, base, 1);
  try {
    const summary = await seedConnectWise(h.db, h.adapter, { layout: 'many-to-many', companies: Math.floor(contacts / 4), contactsPerCompany: 4, seed: 1 });
    const { error } = await migrateToLatest(h.db, h.adapter, JOURNAL_SCHEMA);
    if (error) throw error;
    const audit: AuditValues = [
      ['Last_Update', h.adapter.statements.localNow().compile(h.db).sql],
      ['Last_Update_UTC', h.adapter.statements.utcNow().compile(h.db).sql],
      ['Updated_By', `'cw-maint'`],
    ];
    return { base, totalContacts: summary.contacts, companies: summary.companies, audit };
  } finally {
    await h.db.destroy();
  }
}

export async function shapeRate(engine: BenchEngine, dbs: BenchDatabases, size: SizeData, rate: number, script: ScriptSql): Promise<ShapedData> {
  const h = await open(engine, size.base, 1);
  let matched: number;
  let toChange: number;
  try {
    const { rows } = await sql.raw<{ n: number }>(`SELECT COUNT(*) AS n FROM (${script.matchedIds}) AS i`).execute(h.db);
    matched = Number(rows[0]?.n);
    toChange = rowsToChange(rate, size.totalContacts, matched);
    await sql.raw(shapeSql(engine, script.matchedIds, matched, toChange)).execute(h.db);
    if (engine.engine === 'postgres') {
      // Compact, as freshly loaded, whatever the reshaping left behind; then fresh statistics.
      await sql.raw('VACUUM (FULL, ANALYZE) "dbo"."Contact"').execute(h.db);
      await sql.raw('ANALYZE').execute(h.db);
    } else {
      await sql.raw(`IF SCHEMA_ID('cwm_bench') IS NULL EXEC('CREATE SCHEMA cwm_bench')`).execute(h.db);
      await sql.raw(`IF OBJECT_ID('${SAVED}') IS NOT NULL DROP TABLE ${SAVED}`).execute(h.db);
      await sql.raw(`SELECT Contact_RecID, ${TOUCHED.join(', ')} INTO ${SAVED} FROM dbo.Contact`).execute(h.db);
      await refreshStatistics(engine, h.db);
    }
  } finally {
    await h.db.destroy();
  }
  let copies = 0;
  const fresh =
    engine.engine === 'postgres'
      ? async () => {
          const database = dbs.name(`${size.totalContacts}_${++copies}`);
          await dbs.create(database, size.base);
          return { database, dispose: () => dbs.drop(database) };
        }
      : async () => {
          await restore(engine, size.base);
          return { database: size.base, dispose: async () => undefined };
        };
  return { matched, toChange, fresh };
}

/** Puts back the saved columns where a run changed them, and empties cw-maint's run history. */
async function restore(engine: BenchEngine, database: string): Promise<void> {
  const h = await open(engine, database, 1);
  try {
    const set = TOUCHED.map((c) => `${c} = s.${c}`).join(', ');
    const differs = `EXISTS (SELECT ${TOUCHED.map((c) => `c.${c}`).join(', ')} EXCEPT SELECT ${TOUCHED.map((c) => `s.${c}`).join(', ')})`;
    await sql.raw(`UPDATE c SET ${set} FROM dbo.Contact AS c INNER JOIN ${SAVED} AS s ON s.Contact_RecID = c.Contact_RecID WHERE ${differs}`).execute(h.db);
    await sql.raw(`DELETE FROM ${JOURNAL_SCHEMA}.journal`).execute(h.db);
    await sql.raw(`DELETE FROM ${JOURNAL_SCHEMA}.run`).execute(h.db);
    await refreshStatistics(engine, h.db);
  } finally {
    await h.db.destroy();
  }
}

/** Babelfish 4.2 rejects UPDATE STATISTICS ("not currently supported") but runs sp_updatestats. */
async function refreshStatistics(engine: BenchEngine, db: Kysely<any>): Promise<void> {
  if (engine.flavor === 'babelfish') await sql.raw('EXEC sp_updatestats').execute(db);
  else for (const table of ['dbo.Contact', 'dbo.Company', 'dbo.Company_Company_Type']) await sql.raw(`UPDATE STATISTICS ${table} WITH FULLSCAN`).execute(db);
}
