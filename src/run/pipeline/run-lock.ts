import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../../db/connect.js';
import type { Database } from '../../db/model/schema.js';
import { LockHeldError, RunFailedError } from '../../errors.js';
import { latestRunningApply } from '../../journal/run-record.js';

/**
 * One lock for every apply and undo, whatever the job: all jobs write dbo.Contact, and undo
 * is only exact when runs that touch the same rows never interleave. Dry runs take no lock
 * (they must not even look like a write).
 */
export const APPLY_LOCK_RESOURCE = 'cw-maint:apply';

/**
 * The lock resource for one database. SQL Server scopes app locks to the current database and
 * PostgreSQL's advisory locks carry the database too; naming it keeps engines that share one lock
 * space across databases (Babelfish) from making two ConnectWise databases wait on each other.
 */
export function applyLockResource(database: string): string {
  return `${APPLY_LOCK_RESOURCE}:${database.toLowerCase()}`;
}

export async function withRunLock<T>(
  handle: DatabaseHandle,
  journalSchema: string,
  fn: (connection: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const { db, adapter } = handle;
  const resource = applyLockResource(handle.spec.database);
  return db.connection().execute(async (connection) => {
    const outcome = await adapter.locks.tryLock(connection, resource);
    if (!outcome.acquired) {
      if (outcome.reason === 'error') throw new RunFailedError(`Could not take the run lock: ${outcome.detail}`);
      const holder = await latestRunningApply(connection, journalSchema).catch(() => undefined);
      const what = holder?.mode === 'undo' ? `An undo is running: run ${holder.run_id} (undo of run ${holder.undo_of_run_id}, ${holder.job})` : `Another apply is running: ${holder ? `run ${holder.run_id} (${holder.job})` : 'another cw-maint process'}`;
      const when = holder ? ` started ${new Date(holder.started_at).toISOString()} on ${holder.host} by ${holder.os_user}` : '';
      throw new LockHeldError(`${what}${when}. Nothing was changed; try again when it has finished.`);
    }
    try {
      return await fn(connection);
    } finally {
      // If the connection died, the server already released the session lock with it.
      await adapter.locks.unlock(connection, resource).catch(() => undefined);
    }
  });
}
