import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pino from 'pino';
import {  describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { loadJobsConfig } from '../../src/vocabulary/job-params.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import { RunFailedError, UsageError } from '../../src/errors.js';
import { runJob } from '../../src/run/job/run-job.js';
import { scheduleEntries } from '../../src/scheduler/schedule-entries.js';
import { runSchedulerService } from '../../src/scheduler/service.js';
import { specForDatabase } from '../support/engines.js';
import { runCliInProcess, runNpm } from '../support/cli.js';
import { openTransactions } from '../support/schema-edits.js';
import { dboChecksum, testDatabases } from '../support/test-database.js';
import { journalRows, runNamedJob, runRows, silentLog, TEST_SETTINGS, gate, writeConfig } from '../support/run.js';

const REVOKE = { companyTypes: [1, 9], companyStatuses: [2, 7] };
const REVOKE_ARGS = ['revoke-inactive', '--types', '1,9', '--statuses', '2,7'];


/** A terminal as readline sees one, typing `keys` once the prompt has been asked. */
function terminal(keys: string) {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  setTimeout(() => input.write(keys), 50);
  return input;
}

/** A logger that keeps every line, to read the events back. */
function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  return { log, lines };
}


for (const engine of inject('engines')) {
  describe(`hardening on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine, { layout: 'legacy' });

    it('0. `npm run job revoke-inactive --dry-run` (no --) refuses: npm took the flag; nothing is applied', async () => {
      const tdb = await fresh();
      const config = writeConfig({ jobs: { 'revoke-inactive': REVOKE } });
      const before = await dboChecksum(tdb.db);
      const env = { CW_DB_URL: tdb.url, CW_MAINT_CONFIG: config };
      const runs = await Promise.all(
        [['--dry-run'], ['--json'], ['--yes'], ['--max-changes', '5000']].map((flag) => runNpm(['run', 'job', 'revoke-inactive', ...flag], env)),
      );
      for (const [i, flag] of ['--dry-run', '--json', '--yes', '--max-changes'].entries()) {
        const r = runs[i]!;
        expect(r.code, `${flag}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`npm took ${flag} as its own option`);
        expect(r.stderr).toContain(`npm run job -- revoke-inactive`);
        expect(r.stdout).not.toContain('Applied');
      }
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(await runRows(tdb)).toHaveLength(0);
    });

    it('1. an apply asks on a terminal, on stderr, so --json stays one clean object', async () => {
      const tdb = await fresh();
      const r = await runCliInProcess([...REVOKE_ARGS, '--json'], { CW_DB_URL: tdb.url }, { stdin: terminal('yes\r') });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Apply \d+ changes\? Type "yes" to apply/);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ mode: 'apply', runId: expect.any(Number) });
      expect(report.changed).toBeGreaterThan(0);
    });

    it('2. Ctrl-C or Ctrl-D at the prompt is "not confirmed": exit 0, nothing changed, history says declined', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      for (const key of ['\x03', '\x04']) {
        const r = await runCliInProcess(REVOKE_ARGS, { CW_DB_URL: tdb.url }, { stdin: terminal(key) });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('Not confirmed: nothing was changed');
        expect(r.stderr).not.toContain('ABORT_ERR');
      }
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await runRows(tdb)).map((r) => r.status)).toEqual(['declined', 'declined']);
    });

    it('3. a row lock held by someone else times the apply out: rolled back, recorded, no transaction left open, the next apply gets the lock at once', async () => {
      const tdb = await fresh();
      const plan = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const victim = plan.plan.preview[0]!.contactRecId;
      const before = await dboChecksum(tdb.db);
      const locked = gate();
      const release = gate();
      // A technician editing the contact in ConnectWise: an open transaction holding its row.
      const holder = tdb.db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('dbo.Contact').set({ First_Name: 'Editing' }).where('Contact_RecID', '=', victim).execute();
          locked.open();
          await release.opened;
          throw new Error('rollback');
        })
        .catch(() => undefined);
      await locked.opened;
      const limited = await openDatabase(specForDatabase(engine, tdb.name), { limits: { lockTimeoutMs: 1000, statementTimeoutMs: 0 } });
      const job = JOBS.find((j) => j.name === 'revoke-inactive')!;
      const started = Date.now();
      const failed = await runJob(limited, { job, params: REVOKE, mode: 'apply', trigger: 'manual', settings: { ...TEST_SETTINGS, lockTimeoutSeconds: 1 }, log: silentLog }).catch((e) => e);
      const waited = Date.now() - started;
      release.open();
      await holder;
      try {
        expect(failed).toBeInstanceOf(RunFailedError);
        expect(failed.message, failed.message).toContain('lock timeout');
        expect(waited).toBeLessThan(30_000); // it did not wait for ever
        const run = (await runRows(tdb)).at(-1)!;
        expect(run).toMatchObject({ status: 'failed' });
        expect(run.error).toContain('lock timeout');
        expect(await dboChecksum(tdb.db)).toBe(before);
        expect(await journalRows(tdb)).toHaveLength(0);
        if (engine.flavor !== 'babelfish') {
          // Babelfish has no sys.dm_tran_session_transactions; the next apply below still proves the lock was released.
          const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
          try {
            expect(await openTransactions(admin.db, engine, tdb.name)).toBe(0);
          } finally {
            await admin.db.destroy();
          }
        }
        const next = await runJob(limited, { job, params: REVOKE, mode: 'apply', trigger: 'manual', settings: TEST_SETTINGS, log: silentLog });
        expect(next.changed).toBe(plan.plan.changed);
      } finally {
        await limited.db.destroy();
      }
    });

    it('3. a deadlock victim is rolled back and tried again once', async () => {
      const tdb = await fresh();
      const { log, lines } = capturingLog();
      let attempts = 0;
      const result = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        log,
        hooks: {
          afterJournal: async () => {
            attempts++;
            // The error the server raises for a deadlock victim (SQL Server 1205, PostgreSQL 40P01).
            if (attempts === 1) throw Object.assign(new Error('deadlock detected'), engine.engine === 'postgres' ? { code: '40P01' } : { number: 1205 });
          },
        },
      });
      expect(attempts).toBe(2);
      expect(result.outcome).toBe('succeeded');
      expect(await journalRows(tdb)).toHaveLength(result.changed);
      expect(lines.filter((l) => l.event === 'run.retry')).toHaveLength(1);
    });

    it('4. a journal schema that holds tables not cw-maint\'s is refused before any write', async () => {
      const tdb = await fresh();
      await sql`CREATE TABLE ${sql.table('cw_maint.Contact')} (id int)`.execute(tdb.db);
      const before = await dboChecksum(tdb.db);
      const r = await runCliInProcess([...REVOKE_ARGS, '--yes'], { CW_DB_URL: tdb.url });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/holds tables that are not cw-maint's \(contact\)/);
      expect(await dboChecksum(tdb.db)).toBe(before);
    });

    it('6 and 8. a scheduled dry run logs one line with its counts; CLI runs that exit 4 or 5 log start and end', async () => {
      const tdb = await fresh();
      const refused = await runCliInProcess(['revoke-inactive', '--types', '1', '--statuses', '1', '--yes'], { CW_DB_URL: tdb.url });
      expect(refused.code).toBe(5);
      // The run's own lines (an admin test login also gets the privileges.excess warning).
      const events = refused.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((e) => String(e.event).startsWith('run.'));
      expect(events.map((e) => e.event)).toEqual(['run.start', 'run.end']);
      expect(events[1]).toMatchObject({ outcome: 'refused', mode: 'apply' });
    });

    it('7. migrations-check says applies are blocked, exit 3, while migrations are pending or the journal is gone', async () => {
      const tdb = await fresh({ migrate: false });
      const pending = await runCliInProcess(['migrations-check'], { CW_DB_URL: tdb.url });
      expect(pending.code).toBe(3);
      expect(pending.stdout).toContain('applies are blocked');
      expect(pending.stdout).not.toContain('All jobs can run');
      expect((await runCliInProcess(['migrate'], { CW_DB_URL: tdb.url })).code).toBe(0);
      expect((await runCliInProcess(['migrations-check'], { CW_DB_URL: tdb.url })).code).toBe(0);
      await sql`DROP TABLE ${sql.table('cw_maint.journal')}`.execute(tdb.db);
      const dropped = await runCliInProcess(['migrations-check'], { CW_DB_URL: tdb.url });
      expect(dropped.code).toBe(3);
      expect(dropped.stderr).toContain('cw_maint.journal are missing');
    });

    it('12. the scheduler checks RecIDs and Company_IDs against the database at start-up: all problems at once, exit 2', async () => {
      const tdb = await fresh();
      const file = writeConfig({
        jobs: {
          'revoke-inactive': { companyTypes: [1], companyStatuses: [99], schedule: '* * * * * *', mode: 'dry-run' },
          'set-company-portal': { level: 2, companyId: 'No Such Co', schedule: '* * * * * *', mode: 'dry-run' },
        },
      });
      const r = await runCliInProcess(['schedule', '--config', file], { CW_DB_URL: tdb.url });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('jobs.revoke-inactive.companyStatuses: 99 not found in dbo.Company_Status. Valid: 1 = Active');
      expect(r.stderr).toContain('jobs.set-company-portal.companyId: "No Such Co" not found');
      expect(await runRows(tdb)).toHaveLength(0);
    });

    it('8 and 9. a run abandoned at shutdown still logs its end; ticks while it runs are queued once, then recorded as skipped', async () => {
      const tdb = await fresh();
      const file = writeConfig({ shutdownGraceSeconds: 0, lockTimeoutSeconds: 1, jobs: { 'revoke-inactive': { ...REVOKE, schedule: '* * * * * *', mode: 'apply' } } });
      const { config } = loadJobsConfig(file, JOBS);
      const { log, lines } = capturingLog();
      const paused = gate();
      const stop = gate();
      const service = runSchedulerService({
        spec: parseConnectionSpec(tdb.url),
        config,
        entries: scheduleEntries(config, JOBS),
        log,
        stop: stop.opened,
        hooks: {
          afterJournal: async (signal) => {
            paused.open();
            await sleep(30_000, undefined, { signal }).catch(() => undefined);
          },
        },
      });
      await paused.opened;
      await sleep(2_300); // ticks (every second) that find the run still going: one is queued, the next skipped
      stop.open();
      await service;
      const ends = lines.filter((l) => l.event === 'run.end');
      expect(ends).toHaveLength(1);
      expect(ends[0]).toMatchObject({ outcome: 'failed' });
      expect(String(ends[0]!.error)).toContain('Cancelled by shutdown');
      expect(lines.some((l) => l.event === 'run.skipped' && /still waiting to run/.test(String(l.reason)))).toBe(true);
      const runs = await runRows(tdb);
      expect(runs.filter((r) => r.status !== 'skipped').map((r) => r.status)).toEqual(['failed']);
      expect(runs.filter((r) => r.status === 'skipped').length).toBeGreaterThan(0);
    });

    it('8. runs left "running" by a killed process are closed as interrupted by the next apply', async () => {
      const tdb = await fresh();
      await tdb.db
        .insertInto('cw_maint.run')
        .values({ job: 'revoke-inactive', mode: 'apply', status: 'running', trigger: 'manual', params: '{}', started_at: new Date(Date.now() - 60_000), host: 'gone', os_user: 'gone' })
        .execute();
      await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      const runs = await runRows(tdb);
      expect(runs[0]).toMatchObject({ status: 'interrupted' });
      // When it ended is not known: no end time rather than the time it was found (issue 20).
      expect(runs[0]!.finished_at).toBeNull();
      expect(runs[1]).toMatchObject({ status: 'succeeded' });
    });

    it('14. history: --limit 0 and an unknown --job are usage errors; times carry their offset; --show-sql shows the real run id', async () => {
      const tdb = await fresh();
      const shown = await runCliInProcess([...REVOKE_ARGS, '--yes', '--show-sql'], { CW_DB_URL: tdb.url });
      expect(shown.code, shown.stderr).toBe(0);
      const runId = Number(/in run (\d+)/.exec(shown.stdout)?.[1]);
      expect(runId).toBeGreaterThan(0);
      expect(shown.stderr).toMatch(/update "dbo"."Contact"/i);
      expect(shown.stderr).toContain(`: ${runId}\n`);
      const statements = shown.stderr.split('\n').filter((l) => /^(select|insert|update|with|declare)/i.test(l.trim()));
      expect(statements.length).toBeGreaterThan(5);
      expect((await runCliInProcess(['history', '--limit', '0'], { CW_DB_URL: tdb.url })).code).toBe(2);
      const unknown = await runCliInProcess(['history', '--job', 'nosuchjob'], { CW_DB_URL: tdb.url });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no such job "nosuchjob"');
      const history = await runCliInProcess(['history', '--limit', '1'], { CW_DB_URL: tdb.url });
      expect(history.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/);
    });
  });
}

describe('hardening without a database', () => {
  it('4. journalSchema "dbo" is refused (exit 2)', async () => {
    const r = await runCliInProcess([...REVOKE_ARGS, '--dry-run', '--config', writeConfig({ journalSchema: 'DBO' })], { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("journalSchema: must not be dbo");
  });

  it('1 and 12. a scheduled entry must say its mode, and one problem never hides another in the same entry', () => {
    const file = writeConfig({
      jobs: {
        'revoke-inactive': { companyTypes: [1], companyStatuses: [2], schedule: '61 * * * *', timezone: 'Mars/Olympus' },
        'set-primary-portal': { level: 3, companyTypes: [1], companyStatuses: [1], schedule: '0 2 * * *', mode: 'sometimes' },
      },
    });
    // Every verb that reads the file reports these at load, all at once.
    const error = (() => {
      try {
        loadJobsConfig(file, JOBS, {});
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.details).toEqual(
      expect.arrayContaining([
        expect.stringContaining('jobs.revoke-inactive.schedule: "61 * * * *" is not a cron expression'),
        expect.stringContaining('jobs.revoke-inactive.timezone: "Mars/Olympus" is not an IANA time zone'),
        expect.stringContaining('jobs.set-primary-portal.mode: must be "apply" or "dry-run"'),
      ]),
    );
    // A schedule without a mode is refused at load, in the same pass (an unattended apply is asked for, never a default).
    expect(error!.details).toEqual(expect.arrayContaining([expect.stringContaining('jobs.revoke-inactive.mode: required with a schedule')]));
    expect(() => loadJobsConfig(writeConfig({ jobs: { 'revoke-inactive': { companyTypes: [1], companyStatuses: [2], schedule: '0 30 4 * * *' } } }), JOBS, {})).toThrow(
      /is invalid/,
    );
  });

  it('14. --version, and a port out of range is named as such', async () => {
    const version = await runCliInProcess(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const port = await runCliInProcess([...REVOKE_ARGS, '--dry-run'], { CW_DB_URL: 'mssql://u:secret@h:99999/db' });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('invalid port "99999"');
    expect(port.stderr).not.toContain('Percent-encode');
  });
});
