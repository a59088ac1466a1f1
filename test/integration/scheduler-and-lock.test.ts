import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import { RunFailedError } from '../../src/errors.js';
import { runCli, spawnScript } from '../support/cli.js';
import { killSessions } from '../support/schema-edits.js';
import { dboChecksum, seededDatabase, type TestDatabase } from '../support/test-database.js';
import { journalRows, runNamedJob, runRows } from '../support/run.js';

const REVOKE_ARGS = ['revoke-inactive', '--types', '1,9', '--statuses', '2,7', '--json'];

function writeConfig(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cwm-')), 'cw-maint.config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A CLI child we can signal; resolves `paused` when it logs the test pause inside its transaction. */
function startCli(args: string[], env: Record<string, string>) {
  const child = spawnScript('src/cli/main.ts', args, env);
  let stdout = '';
  let stderr = '';
  let onPause: () => void = () => {};
  const paused = new Promise<void>((resolve) => (onPause = resolve));
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes('"event":"test.pause"')) onPause();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, paused, exited, output: () => ({ stdout, stderr }) };
}

for (const engine of inject('engines')) {
  describe(`run lock, crashes and the scheduler on ${engine.name}`, () => {
    const open: TestDatabase[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((d) => d.drop()));
    });
    const fresh = async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy' });
      open.push(tdb);
      return tdb;
    };

    it('two applies started together: exactly one applies, the other exits 4 and changes nothing', async () => {
      const tdb = await fresh();
      const env = { CW_DB_URL: tdb.url, CW_MAINT_TEST_PAUSE_AFTER_JOURNAL_MS: '10000' };
      const [a, b] = await Promise.all([runCli(REVOKE_ARGS, env), runCli(REVOKE_ARGS, env)]);
      const loser = a.code === 0 ? b : a;
      if (engine.flavor === 'babelfish') {
        // Babelfish returns -999 for a held applock with @LockTimeout = 0 (SQL Server: -1); see runner.apply.test.ts.
        expect([a.code, b.code].sort()).toEqual([0, 1]);
        expect(loser.stderr).toContain('sp_getapplock returned -999');
      } else {
        expect([a.code, b.code].sort()).toEqual([0, 4]);
        expect(loser.stderr).toMatch(/Another apply is running: run \d+ \(revoke-inactive\)/);
      }
      const winner = JSON.parse((a.code === 0 ? a : b).stdout);
      const journal = await journalRows(tdb);
      expect(journal).toHaveLength(winner.changed);
      expect(new Set(journal.map((j) => j.run_id))).toEqual(new Set([winner.runId]));
    });

    it('SIGKILL while the apply transaction is open: no partial change, lock released, next run succeeds', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const cli = startCli(REVOKE_ARGS, { CW_DB_URL: tdb.url, CW_MAINT_TEST_PAUSE_AFTER_JOURNAL_MS: '60000' });
      await cli.paused;
      cli.child.kill('SIGKILL');
      expect((await cli.exited).signal).toBe('SIGKILL');
      // The server rolls back when the session goes; poll briefly for it to notice.
      for (let i = 0; i < 50 && (await dboChecksum(tdb.db)) !== before; i++) await sleep(100);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['running']); // shown as interrupted

      const next = await runCli(REVOKE_ARGS, { CW_DB_URL: tdb.url });
      expect(next.code).toBe(0);
      expect(JSON.parse(next.stdout).changed).toBeGreaterThan(0);
    });

    it('a server-side kill of the connection mid-run rolls back, and the next run works on the same pool', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
      try {
        const failed = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: [1, 9], companyStatuses: [2, 7] }, 'apply', {
          hooks: {
            afterJournal: async () => {
              expect(await killSessions(admin.db, engine, tdb.name)).toBeGreaterThan(0);
            },
          },
        }).catch((e) => e);
        expect(failed).toBeInstanceOf(RunFailedError);
      } finally {
        await admin.db.destroy();
      }
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      const next = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: [1, 9], companyStatuses: [2, 7] }, 'apply');
      expect(next.changed).toBeGreaterThan(0);
    });

    it('the scheduler records runs every second, goes on after a refused run, and exits 0 on SIGTERM', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: {
          'set-primary-portal': { level: 6, companyTypes: [1, 9], companyStatuses: [1], schedule: '* * * * * *', mode: 'dry-run' },
          // Refused by a guard (status 1 is active) on every tick: logged, recorded, and the service carries on.
          'revoke-inactive': { companyTypes: [1], companyStatuses: [1], schedule: '* * * * * *', mode: 'apply' },
        },
      });
      const before = await dboChecksum(tdb.db);
      const service = startCli(['schedule', '--config', config], { CW_DB_URL: tdb.url });
      const count = (runs: Awaited<ReturnType<typeof runRows>>, job: string, status: string) =>
        runs.filter((r) => r.job === job && r.status === status).length;
      let runs: Awaited<ReturnType<typeof runRows>> = [];
      for (let i = 0; i < 150 && (count(runs, 'set-primary-portal', 'succeeded') < 2 || count(runs, 'revoke-inactive', 'refused') < 2); i++) {
        await sleep(100);
        runs = await runRows(tdb);
      }
      service.child.kill('SIGTERM');
      const { code } = await service.exited;
      expect(code, service.output().stderr).toBe(0);
      runs = await runRows(tdb);
      expect(count(runs, 'set-primary-portal', 'succeeded')).toBeGreaterThanOrEqual(2);
      expect(count(runs, 'revoke-inactive', 'refused')).toBeGreaterThanOrEqual(2);
      expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(service.output().stderr).toContain('"event":"run.refused"');
      expect(service.output().stderr).toContain('"event":"scheduler.stopped"');
    });

    it('SIGTERM during a scheduled apply past the grace period rolls it back and exits 0', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        shutdownGraceSeconds: 1,
        jobs: { 'revoke-inactive': { companyTypes: [1, 9], companyStatuses: [2, 7], schedule: '* * * * * *' } },
      });
      const before = await dboChecksum(tdb.db);
      const service = startCli(['schedule', '--config', config], { CW_DB_URL: tdb.url, CW_MAINT_TEST_PAUSE_AFTER_JOURNAL_MS: '60000' });
      await service.paused;
      service.child.kill('SIGTERM');
      const { code } = await service.exited;
      expect(code, service.output().stderr).toBe(0);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      const runs = await runRows(tdb);
      expect(runs.at(-1)).toMatchObject({ status: 'failed' });
      expect(runs.at(-1)!.error).toContain('Cancelled by shutdown');
    });
  });
}

describe('scheduler start-up validation', () => {
  it('an invalid cron expression or time zone is exit 2 at start-up, before connecting', async () => {
    const config = writeConfig({
      jobs: {
        'revoke-inactive': { companyTypes: [1], companyStatuses: [2], schedule: '61 * * * *' },
        'set-primary-portal': { level: 3, companyTypes: [1], companyStatuses: [1], schedule: '0 2 * * *', timezone: 'Mars/Olympus' },
      },
    });
    const r = await runCli(['schedule', '--config', config], { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jobs.revoke-inactive.schedule: "61 * * * *" is not a cron expression');
    expect(r.stderr).toContain('jobs.set-primary-portal.timezone: "Mars/Olympus" is not an IANA time zone');
    expect(r.stderr).not.toContain('Cannot connect');
  });
});
