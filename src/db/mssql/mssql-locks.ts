import { sql, type Kysely } from 'kysely';
import type { LockOutcome, RunLocks } from '../engine/engine-adapter.js';

/** sp_getapplock return codes (documented by Microsoft): >= 0 granted, -1 timeout, -2 cancelled, -3 deadlock, -999 bad call. */
const APPLOCK_RESULTS: Record<number, string> = {
  [-1]: 'held by another session',
  [-2]: 'lock request cancelled',
  [-3]: 'chosen as deadlock victim',
  [-999]: 'parameter validation or other call error',
};

/** The lock's name, built by the server: the same for cw-maint and for a script run in sqlcmd. */
const RESOURCE = `N'cw-maint:apply:' + LOWER(DB_NAME())`;

export const mssqlLocks: RunLocks = {
  async tryLock(trx: Kysely<any>): Promise<LockOutcome> {
    // @LockTimeout = 0: never wait (sp_getapplock waits forever without it). Transaction owner:
    // released by COMMIT or ROLLBACK, or with the session; nothing to unlock.
    const { rows } = await sql<{ result: number; session: string }>`
      DECLARE @result int, @resource nvarchar(255) = ${sql.raw(RESOURCE)};
      EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 0;
      SELECT @result AS result, CAST(@@SPID AS nvarchar(64)) AS session;`.execute(trx);
    const result = Number(rows[0]?.result);
    if (result >= 0) return { acquired: true, session: String(rows[0]!.session) };
    return {
      acquired: false,
      reason: result === -1 ? 'held' : 'error',
      detail: `sp_getapplock returned ${result} (${APPLOCK_RESULTS[result] ?? 'unknown'})`,
    };
  },
  // sqlcmd runs each batch on one session: a session lock, waiting up to 10 minutes for a running apply.
  script: {
    take: [
      `DECLARE @result int, @resource nvarchar(255) = ${RESOURCE};\n` +
        `EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 600000;\n` +
        `IF @result < 0 THROW 50000, 'cw-maint: another apply holds the run lock; run this script when it has finished.', 1`,
    ],
    release: [`DECLARE @resource nvarchar(255) = ${RESOURCE};\nEXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session'`],
  },
};
