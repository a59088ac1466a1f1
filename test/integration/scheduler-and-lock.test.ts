import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {  describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { loadJobsConfig } from '../../src/vocabulary/job-params.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import { LockHeldError, RunFailedError } from '../../src/errors.js';
import { scheduleEntries } from '../../src/scheduler/schedule-entries.js';
import { runSchedulerService } from '../../src/scheduler/service.js';
import { runCliInProcess, spawnScript } from '../support/cli.js';
import { killSessions } from '../support/schema-edits.js';
import { dboChecksum, testDatabases } from '../support/test-database.js';
import { journalRows, runNamedJob, runRows, silentLog, gate, writeConfig } from '../support/run.js';

const REVOKE = { companyTypes: [1, 9], companyStatuses: [2, 7] };


/** A child we can signal; `seen(text)` resolves when its stdout or stderr has shown `text`. */
function startChild(script: string, args: string[], env: Record<string, string>) {
  const child = spawnScript(script, args, env);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const check = () => {
    for (const w of [...waiters]) if ((stdout + stderr).includes(w.text)) w.resolve();
  };
  child.stdout.on('data', (d) => ((stdout += d), check()));
  child.stderr.on('data', (d) => ((stderr += d), check()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const seen = (text: string) => new Promise<void>((resolve) => (waiters.push({ text, resolve }), check()));
  return { child, seen, exited, output: () => ({ stdout, stderr }) };
}


for (const engine of inject('engines')) {
  describe(`run lock, crashes and the scheduler on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine, { layout: 'legacy' });

    it('two applies at once: the second finds the first paused inside its transaction, exits as locked and changes nothing', async () => {
      const tdb = await fresh();
      const paused = gate();
      const release = gate();
      const first = runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        hooks: {
          afterJournal: async () => {
            paused.open();
            await release.opened;
          },
        },
      });
      await paused.opened;
      const second = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply').catch((e) => e);
      release.open();
      const winner = await first;
      if (engine.flavor === 'babelfish') {
        // Babelfish returns -999 for a held applock with @LockTimeout = 0 (SQL Server: -1); see runner.apply.test.ts.
        expect(second).toBeInstanceOf(RunFailedError);
        expect(second.message).toContain('sp_getapplock returned -999');
      } else {
        expect(second).toBeInstanceOf(LockHeldError);
        expect(second.message).toMatch(new RegExp(`Another apply is running: run ${winner.runId} \\(revoke-inactive\\)`));
      }
      const journal = await journalRows(tdb);
      expect(journal).toHaveLength(winner.changed);
      expect(new Set(journal.map((j) => j.run_id))).toEqual(new Set([winner.runId]));
    });

    it('SIGKILL while the apply transaction is open: no partial change, lock released, next run succeeds', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const victim = startChild('test/support/pausing-apply.ts', [], { CW_DB_URL: tdb.url });
      await victim.seen('paused');
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      // The server rolls back when the session goes; poll briefly for it to notice.
      for (let i = 0; i < 50 && (await dboChecksum(tdb.db)) !== before; i++) await sleep(100);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['running']); // shown as interrupted

      const next = await runCliInProcess(['revoke-inactive', '--types', '1,9', '--statuses', '2,7', '--json', '--yes'], { CW_DB_URL: tdb.url });
      expect(next.code, next.stderr).toBe(0);
      expect(JSON.parse(next.stdout).changed).toBeGreaterThan(0);
      // The next apply, holding the lock, closed the dead run as interrupted.
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
    });

    it('a server-side kill of the connection mid-run rolls back, and the next run works on the same pool', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
      try {
        const failed = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
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
      const next = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(next.changed).toBeGreaterThan(0);
    });

    it('the scheduler as the README starts it (npm start) records runs, goes on after a refused run, and SIGTERM to npm leaves nothing running', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: {
          'set-primary-portal': { level: 6, companyTypes: [1, 9], companyStatuses: [1], schedule: '* * * * * *', mode: 'dry-run' },
          // Refused by a guard (status 1 is active) on every tick: logged, recorded, and the service carries on.
          'revoke-inactive': { companyTypes: [1], companyStatuses: [1], schedule: '* * * * * *', mode: 'apply' },
        },
      });
      const before = await dboChecksum(tdb.db);
      const npm = spawn('npm', ['start'], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CW_DB_URL: tdb.url, CW_MAINT_CONFIG: config },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      npm.stderr.on('data', (d) => (stderr += d));
      const npmExited = new Promise((resolve) => npm.on('close', resolve));
      const count = (runs: Awaited<ReturnType<typeof runRows>>, job: string, status: string) => runs.filter((r) => r.job === job && r.status === status).length;
      let runs: Awaited<ReturnType<typeof runRows>> = [];
      for (let i = 0; i < 200 && (count(runs, 'set-primary-portal', 'succeeded') < 2 || count(runs, 'revoke-inactive', 'refused') < 2); i++) {
        await sleep(100);
        runs = await runRows(tdb);
      }
      const service = schedulerProcesses(config);
      expect(service.length, stderr).toBeGreaterThan(0); // npm's shell and node
      npm.kill('SIGTERM');
      await npmExited;
      // npm hands SIGTERM to its shell, not to node; the service notices its parent is gone and stops cleanly.
      for (let i = 0; i < 100 && schedulerProcesses(config).length; i++) await sleep(100);
      expect(schedulerProcesses(config), 'the scheduler is still running after SIGTERM to npm').toEqual([]);
      runs = await runRows(tdb);
      expect(count(runs, 'set-primary-portal', 'succeeded')).toBeGreaterThanOrEqual(2);
      expect(count(runs, 'revoke-inactive', 'refused')).toBeGreaterThanOrEqual(2);
      expect(runs.every((r) => r.trigger === 'schedule' && r.status !== 'running')).toBe(true);
      // A scheduled dry run is recorded with what it would change (ticks that found it still running are recorded as skipped, without counts).
      expect(runs.find((r) => r.job === 'set-primary-portal' && r.status === 'succeeded')!.changed).toBeGreaterThan(0);
      expect(await dboChecksum(tdb.db)).toBe(before);
      const events = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(events.some((e) => e.event === 'run.end' && e.outcome === 'refused' && e.job === 'revoke-inactive')).toBe(true);
      // Every scheduled dry run logs one line with its counts.
      const dryEnds = events.filter((e) => e.event === 'run.end' && e.job === 'set-primary-portal');
      expect(dryEnds.length).toBeGreaterThanOrEqual(2);
      expect(dryEnds[0]).toMatchObject({ mode: 'dry-run', outcome: 'succeeded', matched: expect.any(Number), changed: expect.any(Number) });
      expect(events.at(-1)).toMatchObject({ event: 'scheduler.stopped' });
      expect(stderr).not.toContain('[NODE-CRON]');
    });

    it('a stop during a scheduled apply past the grace period rolls it back', async () => {
      const tdb = await fresh();
      const file = writeConfig({
        shutdownGraceSeconds: 0,
        jobs: { 'revoke-inactive': { companyTypes: [1, 9], companyStatuses: [2, 7], schedule: '* * * * * *', mode: 'apply' } },
      });
      const { config } = loadJobsConfig(file, JOBS);
      const before = await dboChecksum(tdb.db);
      const paused = gate();
      const stop = gate();
      const service = runSchedulerService({
        spec: parseConnectionSpec(tdb.url),
        config,
        entries: scheduleEntries(config, JOBS),
        log: silentLog,
        stop: stop.opened,
        hooks: {
          afterJournal: async (signal) => {
            paused.open();
            await sleep(60_000, undefined, { signal }).catch(() => undefined);
          },
        },
      });
      await paused.opened;
      stop.open();
      await service;
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await journalRows(tdb)).toHaveLength(0);
      // Ticks every second: on a slow engine some find the apply still running and are recorded as skipped.
      const runs = (await runRows(tdb)).filter((r) => r.status !== 'skipped');
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
    const r = await runCliInProcess(['schedule', '--config', config], { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jobs.revoke-inactive.schedule: "61 * * * *" is not a cron expression');
    expect(r.stderr).toContain('jobs.set-primary-portal.timezone: "Mars/Olympus" is not an IANA time zone');
    expect(r.stderr).not.toContain('Cannot connect');
  });
});

/** Scheduler processes started with this config (found by the config path in their environment's command line). */
function schedulerProcesses(config: string): string[] {
  try {
    const out = execFileSync('pgrep', ['-f', 'bin/cw-maint.js schedule'], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter(Boolean)
      .filter((pid) => {
        try {
          return execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' }).includes(config);
        } catch {
          return false;
        }
      });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
