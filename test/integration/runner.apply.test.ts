import {  describe, expect, inject, it } from 'vitest';
import { LockHeldError, RunFailedError, UsageError } from '../../src/errors.js';
import { withRunLock } from '../../src/run/pipeline/run-lock.js';
import { contactRows, dboChecksum, type TestDatabase, testDatabases } from '../support/test-database.js';
import { journalRows, runNamedJob, runRows, TEST_SETTINGS } from '../support/run.js';

const REVOKE = { companyTypes: [1, 9], companyStatuses: [2, 7] };

for (const engine of inject('engines')) {
  describe(`runner on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine);

    it('a dry run writes nothing to ConnectWise tables and reports what an apply would change', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      expect(dry.plan.changed).toBeGreaterThan(0);
      expect(dry.plan.preview.length).toBe(Math.min(20, dry.plan.changed));
      expect(dry.plan.preview.every((r) => r.newValue === 1 && r.oldValue !== 1)).toBe(true);
      // Recorded in history (tables migrated) with what the plan would change.
      const runs = await runRows(tdb);
      expect(runs.map((r) => [r.mode, r.status, r.matched, r.changed, r.unchanged])).toEqual([
        ['dry-run', 'succeeded', dry.plan.matched, dry.plan.changed, dry.plan.unchanged],
      ]);

      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(applied.changed).toBe(dry.plan.changed);
      expect(await dboChecksum(tdb.db)).not.toBe(before);
      // The steady state: nothing left to change, no preview, no journal rows, a succeeded run.
      const journaled = (await journalRows(tdb)).length;
      const again = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(again).toMatchObject({ outcome: 'succeeded', changed: 0 });
      expect(again.plan.preview).toEqual([]);
      expect(await journalRows(tdb)).toHaveLength(journaled);
      expect((await runRows(tdb)).at(-1)).toMatchObject({ status: 'succeeded', changed: 0 });
    });

    it('a dry run works before migrations and says history was not written', async () => {
      const tdb = await fresh({ migrate: false });
      const before = await dboChecksum(tdb.db);
      const dry = await runNamedJob(tdb, 'set-primary-portal', { level: 4, companyTypes: [1], companyStatuses: [1] }, 'dry-run');
      expect(dry.historyWritten).toBe(false);
      expect(dry.runId).toBeNull();
      expect(await dboChecksum(tdb.db)).toBe(before);
    });

    it('apply journals exactly the changed rows with their before-values, and sets the audit columns', async () => {
      const tdb = await fresh();
      const before = await contactRows(tdb.db, { audit: true });
      const result = await runNamedJob(tdb, 'set-primary-portal', { level: 5, companyTypes: [1, 9], companyStatuses: [1] }, 'apply');
      const after = await contactRows(tdb.db, { audit: true });
      const journal = await journalRows(tdb);
      expect(journal).toHaveLength(result.changed);
      const changedIds = new Set(journal.map((j) => j.contact_recid));
      for (const [i, row] of after.entries()) {
        const old = before[i]!;
        if (changedIds.has(row.Contact_RecID)) {
          const entry = journal.find((j) => j.contact_recid === row.Contact_RecID)!;
          expect(entry).toMatchObject({ run_id: result.runId, column_name: 'Portal_Security_Level', old_value: old.Portal_Security_Level, new_value: 5 });
          expect(row.Portal_Security_Level).toBe(5);
          expect(row.Updated_By).toBe(TEST_SETTINGS.updatedBy);
          expect(row.Last_Update).not.toEqual(old.Last_Update);
        } else {
          expect(row).toEqual(old);
        }
      }
      const runs = await runRows(tdb);
      expect(runs.at(-1)).toMatchObject({ run_id: result.runId, mode: 'apply', status: 'succeeded', changed: result.changed, matched: result.plan.matched });
    });

    it('batches: where row locks escalate (SQL Server) at most batchSize rows per statement, one round trip each; the same rows change and are journaled', async () => {
      const whole = await fresh();
      const batched = await fresh();
      const sentBefore = [whole.statementsSent(), batched.statementsSent()];
      const one = await runNamedJob(whole, 'revoke-inactive', REVOKE, 'apply');
      const many = await runNamedJob(batched, 'revoke-inactive', REVOKE, 'apply', { settings: { ...TEST_SETTINGS, batchSize: 3 } });
      const sent = [whole.statementsSent() - sentBefore[0]!, batched.statementsSent() - sentBefore[1]!];
      expect(one.changed).toBeGreaterThan(6);
      expect(many.changed).toBe(one.changed);
      expect(await contactRows(batched.db)).toEqual(await contactRows(whole.db));
      const journaled = async (tdb: TestDatabase) =>
        (await journalRows(tdb)).map((j) => [j.contact_recid, j.old_value, j.new_value, j.old_updated_by, String(j.old_last_update), j.new_updated_by]);
      expect(await journaled(batched)).toEqual(await journaled(whole));
      // The last batch comes back short (empty when the count divides evenly): that ends the loop.
      const batches = engine.engine === 'mssql' ? Math.floor(one.changed / 3) + 1 : 1;
      expect(sent[1]! - sent[0]!).toBe(batches - 1);
    });

    it('a failure after the journal insert rolls back the journal, Contact and nothing is half done', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      await expect(
        runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
          hooks: {
            afterJournal: async () => {
              throw new Error('injected failure between journal and update');
            },
          },
        }),
      ).rejects.toThrow(RunFailedError);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      const runs = await runRows(tdb);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'failed', changed: 0 });
      expect(runs[0]!.error).toContain('injected failure');
      // And the next run works.
      const next = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(next.changed).toBeGreaterThan(0);
    });

    it('data that changes between plan and apply (another writer) refuses the apply and changes nothing', async () => {
      const tdb = await fresh();
      const victim = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const someone = victim.plan.preview[0]!.contactRecId;
      let after = '';
      const error = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        hooks: {
          afterPlan: async () => {
            // A ConnectWise user disables this contact by hand after cw-maint planned.
            await tdb.db.updateTable('dbo.Contact').set({ Disable_Flag: true }).where('Contact_RecID', '=', someone).execute();
            after = await dboChecksum(tdb.db);
          },
        },
      }).catch((e) => e);
      expect(error).toBeInstanceOf(RunFailedError);
      expect(error.message).toContain(`planned ${victim.plan.changed} changes, found ${victim.plan.changed - 1}`);
      expect(await dboChecksum(tdb.db)).toBe(after);
      expect(await journalRows(tdb)).toHaveLength(0);
    });

    it('a second apply while the run lock is held exits as locked and changes nothing', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      await withRunLock(tdb, 'cw_maint', async () => {
        const error = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply').catch((e) => e);
        if (engine.flavor === 'babelfish') {
          // Babelfish answers a held lock with @LockTimeout = 0 by -999 where SQL Server documents -1;
          // cw-maint follows SQL Server (-999 is a call error, exit 1). Still refused, still nothing changed.
          expect(error).toBeInstanceOf(RunFailedError);
          expect(error.message).toContain('sp_getapplock returned -999');
        } else {
          expect(error).toBeInstanceOf(LockHeldError);
          expect(error.message).toMatch(/Another apply is running/);
        }
      });
      expect(await dboChecksum(tdb.db)).toBe(before);
      // Released: the next apply goes through.
      expect((await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply')).changed).toBeGreaterThan(0);
    });

    it('guards refuse before any write: too many changes, and revoking for an active status', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const tooMany = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', { settings: { ...TEST_SETTINGS, maxChanges: 1 } });
      expect(tooMany.outcome).toBe('refused');
      expect(tooMany.changed).toBe(0);
      expect(tooMany.refusal!.problems[0]).toContain('more than maxChanges (1)');
      const active = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: [1], companyStatuses: [1, 2] }, 'apply');
      expect(active.outcome).toBe('refused');
      expect(active.refusal!.problems).toEqual([expect.stringContaining('1 (Active) is not marked inactive in ConnectWise')]);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['refused', 'refused']);

      // A dry run still shows its plan, and says the apply would be refused.
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run', { settings: { ...TEST_SETTINGS, maxChanges: 1 } });
      expect(dry.plan.changed).toBeGreaterThan(1);
      expect(dry.outcome).toBe('refused');
      expect(dry.refusal!.problems[0]).toContain('more than maxChanges (1)');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await runRows(tdb)).at(-1)).toMatchObject({ mode: 'dry-run', status: 'refused' });
    });

    it('RecIDs that do not exist are an error listing the valid ones', async () => {
      const tdb = await fresh();
      const error = await runNamedJob(tdb, 'set-primary-portal', { level: 2, companyTypes: [1, 404], companyStatuses: [99] }, 'dry-run').catch((e) => e);
      expect(error).toBeInstanceOf(UsageError);
      const text = [error.message, ...error.details].join('\n');
      expect(text).toContain('companyStatuses: 99 not found in dbo.Company_Status. Valid: 1 = Active, 2 = Inactive, 3 = Not-Approved, 7 = Former Client, 12 = Credit Hold');
      expect(text).toContain('companyTypes: 404 not found in dbo.Company_Type');
      // Refused runs are in the history too.
      const runs = await runRows(tdb);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ job: 'set-primary-portal', mode: 'dry-run', status: 'refused', matched: null });
      expect(runs[0]!.error).toContain('99 not found');
    });

    it('a Company_ID that does not exist (even one that looks like SQL injection) is an error naming the nearest ones', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const error = await runNamedJob(tdb, 'set-company-portal', { level: 6, companyId: "x'; DROP TABLE Contact; --" }, 'apply').catch((e) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(error.details[0]).toMatch(/^companyId: "x'; DROP TABLE Contact; --" not found in dbo\.Company\.Company_ID\. Nearest: /);
      const typo = await runNamedJob(tdb, 'set-company-portal', { level: 6, companyId: 'co00o04' }, 'dry-run').catch((e) => e);
      expect(typo).toBeInstanceOf(UsageError);
      expect(typo.details[0]).toContain('Nearest: Co00004 (Company 4)');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
    });
  });
}
