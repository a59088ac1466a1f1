import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/model/schema.js';

/**
 * One transaction around `fn`: committed when it returns, rolled back when it throws, and the
 * error it threw is the one that surfaces. With XACT_ABORT ON (SQL Server) a failed statement
 * (a lock timeout, a deadlock) has already rolled the transaction back on the server, and the
 * driver's ROLLBACK then fails with error 3903; that must not hide the reason.
 */
export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const trx = await db.startTransaction().execute();
  let result: T;
  try {
    result = await fn(trx);
  } catch (error) {
    await trx.rollback().execute().catch(() => undefined);
    throw error;
  }
  try {
    await trx.commit().execute();
  } catch (error) {
    // A failed COMMIT (a connection killed just before it) leaves Kysely's connection checked out;
    // the rollback releases it, or the pool could never be closed.
    await trx.rollback().execute().catch(() => undefined);
    throw error;
  }
  return result;
}
