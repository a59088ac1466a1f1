import { describe, expect, inject, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { RunFailedError } from '../../src/errors.js';
import { historyWritable, preflight } from '../../src/preflight/preflight.js';
import type { RunKind } from '../../src/run/pipeline/run-kind.js';
import { executeRun } from '../../src/run/pipeline/run-pipeline.js';
import { runRows, silentLog, TEST_SETTINGS } from '../support/run.js';
import { contactRows, testDatabases } from '../support/test-database.js';

/**
 * A kind of run that src/ does not have, written here with no change in src/: "park one
 * contact" (its portal level to 0). The one pipeline gives it what it gives a job or an undo:
 * the run row and its outcome, the lock, the prompt, the transaction, the report.
 */
interface ParkPlan {
  contactRecId: number;
  level: number | null;
}

function parkOne(contactRecId: number, options: { failInside?: boolean } = {}): RunKind<ParkPlan> {
  return {
    logFields: { job: 'park-one' },
    notifyAs: { job: 'park-one', applyMode: 'apply' },
    async prepare(handle: DatabaseHandle) {
      const report = await preflight(handle, [], TEST_SETTINGS.journalSchema);
      return {
        start: { job: 'park-one', params: { contactRecId } },
        historyWritable: historyWritable(report),
        plan: async (db) => {
          const row = await db.selectFrom('dbo.Contact').select('Portal_Security_Level').where('Contact_RecID', '=', contactRecId).executeTakeFirstOrThrow();
          return { contactRecId, level: row.Portal_Security_Level };
        },
        changingRows: async function* (_db, plan) {
          if (plan.level !== 0) yield { id: plan.contactRecId, before: plan.level };
        },
        counts: (plan) => ({ matched: 1, changed: plan.level === 0 ? 0 : 1, unchanged: plan.level === 0 ? 1 : 0 }),
        succeedsUnchanged: true,
        apply: async (trx, step) => {
          const result = await trx.updateTable('dbo.Contact').set({ Portal_Security_Level: 0 }).where('Contact_RecID', '=', step.plan.contactRecId).executeTakeFirst();
          if (options.failInside) throw new RunFailedError('failed on purpose, after the update');
          return Number(result.numUpdatedRows);
        },
        deadlockRetries: 0,
        failedAndRolledBack: 'park-one failed and was rolled back',
        plannedRows: async function* () {},
        appliedRows: async function* () {},
      };
    },
    summarize: (r) => ({ runId: r.runId, outcome: r.outcome, matched: 1, changed: r.changed, unchanged: 1 - r.changed, message: `park-one ${r.outcome}` }),
  };
}

for (const engine of inject('engines')) {
  describe(`a new kind of run through the one pipeline on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);

    const someContact = async (handle: DatabaseHandle) =>
      (await handle.db.selectFrom('dbo.Contact').select('Contact_RecID').where('Portal_Security_Level', '>', 0).orderBy('Contact_RecID').executeTakeFirstOrThrow()).Contact_RecID;

    it('a dry run records its plan and writes nothing; an apply changes the one row under the lock and records it; a second apply is the steady state', async () => {
      const tdb = await seeded();
      const id = await someContact(tdb);
      const before = await contactRows(tdb.db);
      const base = { trigger: 'manual' as const, settings: TEST_SETTINGS, log: silentLog };

      const dry = await executeRun(tdb, parkOne(id), { ...base, mode: 'dry-run' });
      expect(dry).toMatchObject({ outcome: 'succeeded', changed: 0, historyWritten: true });
      expect(await contactRows(tdb.db)).toEqual(before);

      const applied = await executeRun(tdb, parkOne(id), { ...base, mode: 'apply' });
      expect(applied).toMatchObject({ outcome: 'succeeded', changed: 1 });
      const after = await contactRows(tdb.db);
      expect(after.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before[i])).map((r) => [r.Contact_RecID, r.Portal_Security_Level])).toEqual([[id, 0]]);

      const again = await executeRun(tdb, parkOne(id), { ...base, mode: 'apply' });
      expect(again).toMatchObject({ outcome: 'succeeded', changed: 0 });

      const runs = await runRows(tdb);
      expect(runs.map((r) => [r.job, r.mode, r.status, r.changed])).toEqual([
        ['park-one', 'dry-run', 'succeeded', 1],
        ['park-one', 'apply', 'succeeded', 1],
        ['park-one', 'apply', 'succeeded', 0],
      ]);
    });

    it('a "no" at the prompt changes nothing and is recorded as declined; a failure inside the transaction rolls the row back and is recorded as failed', async () => {
      const tdb = await seeded();
      const id = await someContact(tdb);
      const before = await contactRows(tdb.db);
      const base = { trigger: 'manual' as const, settings: TEST_SETTINGS, log: silentLog, mode: 'apply' as const };

      const declined = await executeRun(tdb, parkOne(id), { ...base, confirm: async (plan) => plan.contactRecId !== id });
      expect(declined.outcome).toBe('declined');
      await expect(executeRun(tdb, parkOne(id, { failInside: true }), base)).rejects.toThrow(/failed on purpose/);
      expect(await contactRows(tdb.db)).toEqual(before);

      const runs = await runRows(tdb);
      expect(runs.map((r) => [r.job, r.status])).toEqual([
        ['park-one', 'declined'],
        ['park-one', 'failed'],
      ]);
      // The lock was released each time: the next apply gets it at once.
      const next = await executeRun(tdb, parkOne(id), base);
      expect(next.outcome).toBe('succeeded');
    });
  });
}
