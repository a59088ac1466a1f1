import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import { ExitCode, RunFailedError } from '../../src/errors.js';
import { runCliInProcess, spawnScript } from '../support/cli.js';
import { startCommitDroppingProxy } from '../support/commit-dropping-proxy.js';
import { journalRows, REVOKE, REVOKE_ARGS, runNamedJob, runRows } from '../support/run.js';
import { killSessions } from '../support/schema-edits.js';
import { dboChecksum, testDatabases, type TestDatabase } from '../support/test-database.js';

/**
 * Issue 20, "the outcome is the truth": whatever kills a run, and whenever, the database holds
 * exactly one of two states (nothing changed and a run the next apply closes as interrupted, or
 * everything changed, journaled and recorded as succeeded), and the command says which.
 */
for (const engine of inject('engines')) {
  describe(`the outcome is the truth on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine, { layout: 'legacy' });

    /** The two states a kill may leave, checked by reading the database. */
    async function expectOneOfTwoStates(tdb: TestDatabase, before: string) {
      const runs = await runRows(tdb);
      const run = runs.at(-1)!;
      const journal = await journalRows(tdb);
      if (run.status === 'succeeded') {
        expect(await dboChecksum(tdb.db)).not.toBe(before);
        expect(journal.length).toBe(run.changed);
        expect(run.finished_at).not.toBeNull();
        return 'committed';
      }
      expect(run.status).toBe('running');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(journal).toHaveLength(0);
      // The next apply closes it as interrupted, with no end time rather than a false one, and applies.
      const next = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(next.changed).toBeGreaterThan(0);
      const closed = (await runRows(tdb)).find((r) => r.run_id === run.run_id)!;
      expect([closed.status, closed.finished_at]).toEqual(['interrupted', null]);
      return 'rolled back';
    }

    for (const [step, state] of [
      ['after-plan', 'rolled back'],
      ['after-journal', 'rolled back'],
      ['after-commit', 'committed'],
    ] as const) {
      it(`kill -9 ${step}: ${state}, and the database says so`, async () => {
        const tdb = await seeded();
        const before = await dboChecksum(tdb.db);
        const victim = spawnScript('test/support/pausing-apply.ts', [step], { CW_DB_URL: tdb.url });
        await new Promise<void>((resolve, reject) => {
          victim.stdout.on('data', (d) => String(d).includes(`paused ${step}`) && resolve());
          victim.on('exit', (code) => reject(new Error(`the child ended (${code}) before pausing`)));
        });
        victim.kill('SIGKILL');
        await new Promise((resolve) => victim.on('exit', resolve));
        expect(await expectOneOfTwoStates(tdb, before)).toBe(state);
      }, 240_000);
    }

    it('a server-side kill mid-run: rolled back, and the failure is recorded on a fresh connection (no "running" row left behind)', async () => {
      const tdb = await seeded();
      const before = await dboChecksum(tdb.db);
      const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
      try {
        const failed = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
          hooks: { afterJournal: async () => void expect(await killSessions(admin.db, engine, tdb.name)).toBeGreaterThan(0) },
        }).catch((e) => e);
        expect(failed).toBeInstanceOf(RunFailedError);
        expect(String(failed.message)).toMatch(/rolled back/);
      } finally {
        await admin.db.destroy();
      }
      // The pool drops the killed connections as it meets them.
      const checksum = await dboChecksum(tdb.db).catch(() => dboChecksum(tdb.db));
      expect(checksum).toBe(before);
      const run = (await runRows(tdb)).at(-1)!;
      expect(run.status).toBe('failed');
      expect(run.finished_at).not.toBeNull();
    });

    for (const after of ['this', 'all'] as const) {
      it(`the COMMIT's answer lost (${after === 'this' ? 'read back on a new connection' : 'the server out of reach afterwards'}): never "rolled back" when it committed`, async () => {
        const tdb = await seeded();
        const url = new URL(tdb.url);
        const proxy = await startCommitDroppingProxy({ host: url.hostname, port: Number(url.port || (engine.engine === 'postgres' ? 5432 : 1433)) }, engine.engine === 'postgres' ? 'postgres' : 'tds', after);
        url.host = `127.0.0.1:${proxy.port}`;
        try {
          const r = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json'], { CW_DB_URL: url.toString() });
          expect(proxy.commitsCut, r.stderr).toBe(1);
          const run = (await runRows(tdb)).at(-1)!;
          // It committed: the run row, written in the same transaction, says so.
          expect(run.status).toBe('succeeded');
          expect((await journalRows(tdb)).length).toBe(run.changed);
          expect(r.stderr).not.toMatch(/rolled back/);
          if (after === 'this') {
            expect(r.code, r.stderr).toBe(0);
            expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'apply', runId: run.run_id, changed: run.changed });
            expect(r.stderr).toMatch(/recorded as succeeded, so it committed/);
          } else {
            expect(r.code, r.stderr).toBe(ExitCode.outcomeUnknown);
            expect(r.stderr).toContain(`whether run ${run.run_id} applied is unknown`);
            expect(r.stderr).toContain(`show ${run.run_id}`);
          }
        } finally {
          await proxy.close();
        }
      });
    }

    it('a yes applies exactly what was confirmed: a row that left the set and one that entered it (same count) refuse the apply', async () => {
      const tdb = await seeded();
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const leaving = dry.plan.preview[0]!.contactRecId;
      // A matched contact already disabled: it enters the set when someone enables it.
      const entering = await tdb.db
        .selectFrom('dbo.Contact')
        .select('Contact_RecID')
        .where('Disable_Flag', '=', true)
        .where('Contact_RecID', 'not in', dry.plan.preview.map((p) => p.contactRecId))
        .orderBy('Contact_RecID')
        .executeTakeFirst();
      expect(entering, 'the fixture has an already disabled contact').toBeDefined();
      const before = await dboChecksum(tdb.db);
      const attempt = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        confirm: async (plan) => {
          expect(plan.changed).toBe(dry.plan.changed);
          // Between the "yes" and the apply: one row leaves the set, another enters it.
          await sql`UPDATE dbo.${sql.id('Contact')} SET ${sql.id('Disable_Flag')} = ${true} WHERE ${sql.id('Contact_RecID')} = ${leaving}`.execute(tdb.db);
          await sql`UPDATE dbo.${sql.id('Contact')} SET ${sql.id('Disable_Flag')} = ${false} WHERE ${sql.id('Contact_RecID')} = ${entering!.Contact_RecID}`.execute(tdb.db);
          return true;
        },
      }).catch((e) => e);
      expect(attempt).toBeInstanceOf(RunFailedError);
      expect(String(attempt.message)).toMatch(/changed since the confirmation/);
      // Only the two edits made by hand: cw-maint applied nothing.
      await sql`UPDATE dbo.${sql.id('Contact')} SET ${sql.id('Disable_Flag')} = ${false} WHERE ${sql.id('Contact_RecID')} = ${leaving}`.execute(tdb.db);
      await sql`UPDATE dbo.${sql.id('Contact')} SET ${sql.id('Disable_Flag')} = ${true} WHERE ${sql.id('Contact_RecID')} = ${entering!.Contact_RecID}`.execute(tdb.db);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      expect((await runRows(tdb)).at(-1)!.status).toBe('failed');
    });

    it('the prompt is asked without the run lock: another apply runs to the end while it waits', async () => {
      const tdb = await seeded();
      const result = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        confirm: async () => {
          const other = await runNamedJob(tdb, 'set-primary-portal', { level: 6, companyTypes: [1, 9], companyStatuses: [1] }, 'apply');
          expect(other.outcome).toBe('succeeded');
          return false;
        },
      });
      expect(result.outcome).toBe('declined');
      // The declined run's row is written after the answer (one statement), so it comes second.
      expect((await runRows(tdb)).map((r) => [r.job, r.status])).toEqual([
        ['set-primary-portal', 'succeeded'],
        ['revoke-inactive', 'declined'],
      ]);
    });

    it('a prompt left open expires as declined, and changes nothing', async () => {
      const tdb = await seeded();
      const before = await dboChecksum(tdb.db);
      const result = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', { promptTimeoutMs: 300, confirm: () => new Promise<boolean>(() => undefined) });
      expect(result.outcome).toBe('declined');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['declined']);
    });

    it('a report that cannot be written after the commit changes nothing of the outcome: recorded, logged and notified as succeeded', async () => {
      const tdb = await seeded();
      const told: string[] = [];
      const result = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        report: async () => {
          throw new Error('ENOSPC: no space left on device, write');
        },
        notify: async (run) => void told.push(run.outcome),
      });
      expect(result).toMatchObject({ outcome: 'succeeded', reportError: expect.stringContaining('ENOSPC') });
      expect(result.changed).toBeGreaterThan(0);
      expect((await runRows(tdb)).at(-1)!.status).toBe('succeeded');
      expect(told).toEqual(['succeeded']);
    });
  });
}
