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
 * Finished runs whose notification was never recorded as handled: a process that died after its
 * COMMIT and before telling anyone, and runs closed as interrupted. Sent by the next apply or
 * start, then recorded (send first, record after: at least once, keyed by run id). A run that
 * finished less than `graceMs` ago may still be telling its targets itself, and is left to it.
 * Declined runs tell nobody.
 */
export async function pendingNotifications(db: Kysely<Database>, schema: string, graceMs: number) {
  const tables = cwMaintTables(schema);
  const settled = new Date(Date.now() - graceMs);
  return db
    .selectFrom(tables.runAs)
    .select(['r.run_id', 'r.job', 'r.mode', 'r.trigger', 'r.host', 'r.status', 'r.error', 'r.matched', 'r.changed', 'r.unchanged', 'r.undo_of_run_id'])
    .where('r.notified_at', 'is', null)
    // A saved plan's own run is a record, not an outcome anyone is told about.
    .where('r.mode', '<>', 'plan')
    .where((eb) => eb.or([eb('r.status', '=', 'interrupted'), eb.and([eb('r.status', 'in', ['succeeded', 'failed', 'refused', 'skipped']), eb('r.finished_at', '<', settled)])]))
    .orderBy('r.run_id')
    .execute();
}
