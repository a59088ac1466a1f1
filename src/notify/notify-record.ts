import type { Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { cwMaintTables } from '../journal/tables.js';

/** Marks a run's notifications as handled, with why any failed (null: all delivered). */
export async function recordNotified(db: Kysely<Database>, schema: string, runId: number, error: string | null): Promise<void> {
  await db
    .updateTable(cwMaintTables(schema).run)
    .set({ notified_at: new Date(), notify_error: error ? error.slice(0, 4000) : null })
    .where('run_id', '=', runId)
    .execute();
}

/**
 * Interrupted runs nobody was told about, each claimed by one conditional UPDATE: when two
 * cw-maint processes look at once, exactly one of them gets a given run.
 */
export async function claimInterruptedRuns(db: Kysely<Database>, schema: string) {
  const tables = cwMaintTables(schema);
  const candidates = await db
    .selectFrom(tables.runAs)
    .select(['r.run_id', 'r.job', 'r.mode', 'r.trigger', 'r.host', 'r.error', 'r.undo_of_run_id'])
    .where('r.status', '=', 'interrupted')
    .where('r.notified_at', 'is', null)
    .orderBy('r.run_id')
    .execute();
  const claimed: typeof candidates = [];
  for (const run of candidates) {
    const result = await db
      .updateTable(tables.run)
      .set({ notified_at: new Date() })
      .where('run_id', '=', run.run_id)
      .where('notified_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) claimed.push(run);
  }
  return claimed;
}
