import { sql, type Kysely } from 'kysely';
import type { LockOutcome, SessionLocks } from '../engine/engine-adapter.js';

/** First key of every cw-maint advisory lock ('cwmt'), so our locks never collide with another app's. */
const LOCK_NAMESPACE = 0x63776d74 | 0;

/** 32-bit FNV-1a of the resource name: the second advisory-lock key. */
function lockKey(resource: string): number {
  let hash = 0x811c9dc5;
  for (const ch of resource) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export const postgresLocks: SessionLocks = {
  async tryLock(connection: Kysely<any>, resource: string): Promise<LockOutcome> {
    // Session-level and non-waiting; released by the server when the connection closes.
    const { rows } = await sql<{ acquired: boolean }>`
      SELECT pg_try_advisory_lock(${LOCK_NAMESPACE}::int4, ${lockKey(resource)}::int4) AS acquired`.execute(connection);
    return rows[0]?.acquired
      ? { acquired: true }
      : { acquired: false, reason: 'held', detail: 'pg_try_advisory_lock returned false' };
  },

  async unlock(connection: Kysely<any>, resource: string) {
    await sql`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}::int4, ${lockKey(resource)}::int4)`.execute(connection);
  },

};
