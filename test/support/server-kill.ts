import { sql } from 'kysely';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import type { TestEngine } from './engines.js';

/**
 * Ends every client session connected to `database` from the server's side, as a DBA would
 * (pg_terminate_backend on PostgreSQL, KILL on SQL Server), from an admin session of its own, and
 * waits until they are gone. Returns how many it ended. Engine-specific admin SQL: test support only.
 */
export async function killSessions(engine: TestEngine, database: string): Promise<number> {
  const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
  try {
    if (engine.engine === 'postgres') {
      // Client sessions only (an autovacuum worker on the database is the server's own), chosen
      // first: a WHERE does not promise the order its conditions run in. The timeout makes
      // pg_terminate_backend wait until the backend has exited (PostgreSQL 14+).
      const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
        WHERE datname = ${database} AND backend_type = 'client backend' AND usename = current_user AND pid <> pg_backend_pid()`.execute(admin.db);
      for (const { pid } of rows) await sql`SELECT pg_terminate_backend(${pid}, 5000)`.execute(admin.db);
      return rows.length;
    }
    const sessions = async () =>
      (await sql<{ id: number }>`SELECT session_id AS id FROM sys.dm_exec_sessions WHERE database_id = DB_ID(${database}) AND session_id <> @@SPID`.execute(admin.db)).rows.map((r) => Number(r.id));
    const killed = await sessions();
    // KILL takes no parameter; the ids come from the server itself.
    for (const id of killed) await sql.raw(`KILL ${Math.trunc(id)}`).execute(admin.db);
    for (let waited = 0; waited < 5_000 && (await sessions()).some((id) => killed.includes(id)); waited += 100) await new Promise((r) => setTimeout(r, 100));
    return killed.length;
  } finally {
    await admin.db.destroy();
  }
}
