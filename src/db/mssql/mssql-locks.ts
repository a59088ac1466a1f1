import { sql, type Kysely } from 'kysely';
import type { LockOutcome, SessionLocks } from '../engine/engine-adapter.js';

/** sp_getapplock return codes (documented by Microsoft): >= 0 granted, -1 timeout, -2 cancelled, -3 deadlock, -999 bad call. */
const APPLOCK_RESULTS: Record<number, string> = {
  [-1]: 'held by another session',
  [-2]: 'lock request cancelled',
  [-3]: 'chosen as deadlock victim',
  [-999]: 'parameter validation or other call error',
};

export const mssqlLocks: SessionLocks = {
  async tryLock(connection: Kysely<any>, resource: string): Promise<LockOutcome> {
    // @LockTimeout = 0: never wait (sp_getapplock waits forever without it). Session owner: the
    // lock outlives transactions on this connection and dies with the session.
    const { rows } = await sql<{ result: number }>`
      DECLARE @result int;
      EXEC @result = sp_getapplock @Resource = ${resource}, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
      SELECT @result AS result;`.execute(connection);
    const result = Number(rows[0]?.result);
    if (result >= 0) return { acquired: true };
    return {
      acquired: false,
      reason: result === -1 ? 'held' : 'error',
      detail: `sp_getapplock returned ${result} (${APPLOCK_RESULTS[result] ?? 'unknown'})`,
    };
  },

  async unlock(connection: Kysely<any>, resource: string) {
    await sql`EXEC sp_releaseapplock @Resource = ${resource}, @LockOwner = 'Session'`.execute(connection);
  },

};
