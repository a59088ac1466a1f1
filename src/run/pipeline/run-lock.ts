import type { Kysely, Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/connect.js';
import type { Database } from '../../db/model/schema.js';
import { LockHeldError, RunFailedError } from '../../errors.js';
import { latestRunningApply } from '../../journal/run-record.js';

/**
 * One lock for every apply, undo and migrate, whatever the job: all jobs write dbo.Contact, and
 * undo is only exact when runs that touch the same rows never interleave. Dry runs take no lock
 * (they must not even look like a write).
 *
 * The lock is owned by the transaction the run writes in (EngineAdapter.locks): COMMIT, ROLLBACK
 * or a dead session releases it, so no failed unlock can leave it on a pooled connection.
 */
export interface LockedRun {
  /** The transaction that holds the lock: the run's writes, and its final run row, go here. */
  trx: Transaction<Database>;
  /**
   * Where the run's own bookkeeping is written so that others see it at once (the run row while
   * running, runs closed as interrupted): another connection of the pool, or, on an engine with
   * one session only (the embedded database), the transaction itself.
   */
  side: Kysely<Database>;
  /** The database session that holds the lock (recorded on the run row). */
  session: string;
}

/** The COMMIT was sent but its answer never came: the server may have committed or not. */
export class CommitUnknownError extends Error {
  constructor(readonly reason: unknown) {
    super(`the connection was lost during COMMIT (${String((reason as Error)?.message ?? reason)})`, { cause: reason });
  }
}

/**
 * Takes the run lock without waiting, in a new transaction on one connection, and runs `fn` in it:
 * committed when `fn` returns, rolled back when it throws. A lock held by another session is a
 * LockHeldError naming the run that holds it. A COMMIT that got no answer is a CommitUnknownError.
 */
export async function withRunLock<T>(handle: DatabaseHandle, journalSchema: string, fn: (run: LockedRun) => Promise<T>): Promise<T> {
  const { db, adapter } = handle;
  return db.connection().execute(async (connection) => {
    const trx = await connection.startTransaction().execute();
    const side = handle.oneSession ? trx : db;
    let result: T;
    try {
      const outcome = await adapter.locks.tryLock(trx);
      if (!outcome.acquired) {
        if (outcome.reason === 'error') throw new RunFailedError(`Could not take the run lock: ${outcome.detail}`);
        const holder = await latestRunningApply(side, journalSchema).catch(() => undefined);
        const what = holder?.mode === 'undo' ? `An undo is running: run ${holder.run_id} (undo of run ${holder.undo_of_run_id}, ${holder.job})` : `Another apply is running: ${holder ? `run ${holder.run_id} (${holder.job})` : 'another cw-maint process'}`;
        const when = holder ? ` started ${new Date(holder.started_at).toISOString()} on ${holder.host} by ${holder.os_user}` : '';
        throw new LockHeldError(`${what}${when}. Nothing was changed; try again when it has finished.`);
      }
      result = await fn({ trx, side, session: outcome.session });
    } catch (error) {
      // With XACT_ABORT ON (SQL Server) a failed statement has already rolled back on the server,
      // and this ROLLBACK then fails (error 3903): that must not hide the reason.
      await trx.rollback().execute().catch(() => undefined);
      throw error;
    }
    try {
      await trx.commit().execute();
    } catch (error) {
      // Kysely keeps a connection whose COMMIT failed checked out; the rollback releases it.
      await trx.rollback().execute().catch(() => undefined);
      throw new CommitUnknownError(error);
    }
    return result;
  });
}

/**
 * Holds the run lock while `fn` works on other connections (migrate: Kysely's Migrator opens its
 * own). With one session only (the embedded database) nothing else can run beside it anyway, and
 * `fn` runs without it.
 */
export async function withRunLockHeld<T>(handle: DatabaseHandle, journalSchema: string, fn: () => Promise<T>): Promise<T> {
  return handle.oneSession ? fn() : withRunLock(handle, journalSchema, () => fn());
}
