import { sql, type Kysely } from 'kysely';
import type { TestEngine } from './engines.js';

/** Test-only DDL to break a schema on purpose, per engine. */
export async function renameColumn(db: Kysely<any>, engine: TestEngine, table: string, column: string, to: string) {
  const [schema, name] = table.split('.') as [string, string];
  if (engine.engine === 'postgres') {
    await sql`ALTER TABLE ${sql.table(table)} RENAME COLUMN ${sql.ref(column)} TO ${sql.ref(to)}`.execute(db);
  } else {
    await sql`EXEC sp_rename ${`${schema}.${name}.${column}`}, ${to}, 'COLUMN'`.execute(db);
  }
}

export async function retypeColumnToText(db: Kysely<any>, engine: TestEngine, table: string, column: string) {
  if (engine.engine === 'postgres') {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE varchar(20) USING ${sql.ref(column)}::text`.execute(db);
  } else {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} nvarchar(20)`.execute(db);
  }
}

/** Runs `fn` in a transaction that is always rolled back (DDL is transactional on both engines). */
export async function inRolledBackTransaction(db: Kysely<any>, fn: (trx: Kysely<any>) => Promise<void>) {
  const rollback = new Error('rollback');
  await db
    .transaction()
    .execute(async (trx) => {
      await fn(trx);
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
}

/** Kills every session on `database` from the server side (as a DBA's KILL or a failover would). */
export async function killSessions(admin: Kysely<any>, engine: TestEngine, database: string): Promise<number> {
  if (engine.engine === 'postgres') {
    const { rows } = await sql<{ pid: number }>`
      SELECT pid FROM pg_stat_activity WHERE datname = ${database} AND pid <> pg_backend_pid()`.execute(admin);
    for (const { pid } of rows) await sql`SELECT pg_terminate_backend(${pid})`.execute(admin);
    return rows.length;
  }
  const { rows } = await sql<{ id: number }>`
    SELECT session_id AS id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(${database}) AND session_id <> @@SPID`.execute(admin);
  for (const { id } of rows) await sql.raw(`KILL ${Number(id)}`).execute(admin);
  return rows.length;
}

/** Sessions of cw-maint (application name) on `database` that have a transaction open. */
export async function openTransactions(admin: Kysely<any>, engine: TestEngine, database: string): Promise<number> {
  if (engine.engine === 'postgres') {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = ${database} AND application_name = 'cw-maint' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`.execute(admin);
    return Number(rows[0]?.n);
  }
  const { rows } = await sql<{ n: number }>`
    SELECT COUNT(*) AS n FROM sys.dm_tran_session_transactions t
    JOIN sys.dm_exec_sessions s ON s.session_id = t.session_id
    WHERE s.program_name = 'cw-maint' AND s.database_id = DB_ID(${database})`.execute(admin);
  return Number(rows[0]?.n);
}
