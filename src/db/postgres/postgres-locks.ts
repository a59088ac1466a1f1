import { sql, type Kysely } from 'kysely';
import type { LockOutcome, RunLocks } from '../engine/engine-adapter.js';

/** First key of every cw-maint advisory lock ('cwmt'), so our locks never collide with another app's. */
const LOCK_NAMESPACE = 0x63776d74 | 0;

/** The second key, built by the server from the database's name: the same for cw-maint and for a script run in psql. */
const KEY = `hashtext('cw-maint:apply:' || lower(current_database()))`;

export const postgresLocks: RunLocks = {
  async tryLock(trx: Kysely<any>): Promise<LockOutcome> {
    // Transaction-level and non-waiting: released at COMMIT or ROLLBACK, or with the session.
    const { rows } = await sql<{ acquired: boolean; session: string }>`SELECT pg_try_advisory_xact_lock(${LOCK_NAMESPACE}::int4, ${sql.raw(KEY)}) AS acquired, pg_backend_pid()::text AS session`.execute(trx);
    return rows[0]?.acquired ? { acquired: true, session: String(rows[0].session) } : { acquired: false, reason: 'held', detail: 'pg_try_advisory_xact_lock returned false' };
  },
  // The script is one transaction (BEGIN ... COMMIT): it waits for a running apply, and COMMIT releases the lock.
  script: { take: [`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${KEY})`], release: [] },
};
