import { hostname } from 'node:os';
import {  describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { loadJobsConfig } from '../../src/vocabulary/job-params.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { createMigrator } from '../../src/journal/migrator.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { scheduleEntries } from '../../src/scheduler/schedule-entries.js';
import { runSchedulerService } from '../../src/scheduler/service.js';
import { runCli, runCliInProcess, spawnScript } from '../support/cli.js';
import { emailTarget, SMTP_ENV, SMTP_PASSWORD, until, useNotifyServers } from '../support/notify-servers.js';
import { gate, REVOKE, REVOKE_ARGS, runNamedJob, runRows, silentLog, writeConfig } from '../support/run.js';
import {  testDatabases } from '../support/test-database.js';

// Real receivers on loopback: an SMTP server and an HTTP server for webhooks and heartbeats.
const s = useNotifyServers();

for (const engine of inject('engines')) {
  describe(`notifications on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine, { layout: 'legacy' });
    const dbPassword = () => new URL(engine.adminUrl).password;

    it('a refused, a failed and a successful run each notify exactly the targets that asked for that event', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${s.http}/beat/secret-beat-token` } },
        notify: {
          timeoutSeconds: 5,
          targets: [emailTarget(s), s.webhook('json', 'json', ['succeeded']), s.webhook('slack', 'slack', ['refused']), s.webhook('teams', 'teams', ['failed', 'succeeded-with-changes'])],
        },
      });
      const env = { CW_DB_URL: tdb.url, ...SMTP_ENV };

      const refused = await runCliInProcess([...REVOKE_ARGS, '--yes', '--max-changes', '1', '--config', config], env);
      expect(refused.code, refused.stderr).toBe(5);
      expect(s.arrived()).toEqual(['GET beat/fail', 'POST slack', 'mail']);
      const refusedRun = (await runRows(tdb)).at(-1)!;
      expect(refusedRun).toMatchObject({ status: 'refused', notify_error: null });
      expect(refusedRun.notified_at).not.toBeNull();
      expect(s.mails[0]!.to).toEqual(['dba@example.test']);
      expect(s.mails[0]!.user).toBe('alerts');
      expect(s.mails[0]!.text).toContain(`revoke-inactive refused (apply, run ${refusedRun.run_id})`);
      expect(s.mails[0]!.text).toContain(`See more: npm run job -- show ${refusedRun.run_id}`);
      expect(s.mails[0]!.text).toContain(`Database: ${tdb.name}`);
      expect(s.mails[0]!.text).toMatch(/Reason: .*maxChanges/);
      expect(s.bodies('slack')[0]!.text).toContain('refused');
      // The logs name targets by origin only.
      expect(refused.stderr).toContain('"event":"notify.sent"');
      expect(refused.stderr).not.toContain('secret-');
      const seen = [s.everything()];

      s.reset();
      const notify = createNotifier({ config: loadJobsConfig(config, JOBS).config, spec: tdb.spec, handle: tdb, log: silentLog, env })!.afterRun;
      const failed = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        notify,
        hooks: {
          afterJournal: async () => {
            throw new Error('disk full (a test failure)');
          },
        },
      }).catch((e) => e);
      expect(failed).toBeInstanceOf(Error);
      expect(s.arrived()).toEqual(['GET beat/fail', 'POST teams', 'mail']);
      const failedRun = (await runRows(tdb)).at(-1)!;
      expect(failedRun).toMatchObject({ status: 'failed', notify_error: null });
      const card = s.bodies('teams')[0]!;
      expect(card.type).toBe('message');
      expect(card.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(card.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      expect(JSON.stringify(card)).toContain('disk full');
      seen.push(s.everything());

      s.reset();
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', '--config', config], env);
      expect(applied.code, applied.stderr).toBe(0);
      const { runId, changed } = JSON.parse(applied.stdout);
      expect(changed).toBeGreaterThan(0);
      expect(s.arrived()).toEqual(['GET beat', 'POST json', 'POST teams']);
      expect(s.bodies('json')[0]).toMatchObject({
        source: 'cw-maint',
        job: 'revoke-inactive',
        runId,
        mode: 'apply',
        trigger: 'manual',
        outcome: 'succeeded',
        changed,
        host: hostname(),
        database: tdb.name,
        show: `npm run job -- show ${runId}`,
      });
      expect(s.bodies('json')[0]!.server).toContain('127.0.0.1');
      expect(Date.parse(s.bodies('json')[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
      seen.push(s.everything());

      // Nothing left to change: "succeeded" always hears of it, "succeeded-with-changes" does not.
      s.reset();
      const steady = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], env);
      expect(steady.code, steady.stderr).toBe(0);
      expect(s.arrived()).toEqual(['GET beat', 'POST json']);
      seen.push(s.everything());

      // An undo is a run too; it pings no job's heartbeat.
      s.reset();
      const undone = await runCliInProcess(['undo', String(runId), '--yes', '--config', config], env);
      expect(undone.code, undone.stderr).toBe(0);
      expect(s.arrived()).toEqual(['POST json', 'POST teams']);
      expect(s.bodies('json')[0]).toMatchObject({ job: 'undo', undoOf: runId, mode: 'undo', outcome: 'succeeded', changed });
      seen.push(s.everything());

      for (const text of seen) {
        expect(text).not.toContain(SMTP_PASSWORD);
        expect(text).not.toContain(dbPassword());
        expect(text).not.toContain('secret-');
      }
    });

    it('kill -9 mid-apply: the next start tells the targets that the run was interrupted, exactly once', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${s.http}/beat/secret-beat-token` } },
        notify: { targets: [s.webhook('json', 'json', ['interrupted']), emailTarget(s, { events: ['failed'] })] },
      });
      const env = { CW_DB_URL: tdb.url, ...SMTP_ENV };
      const victim = spawnScript('test/support/pausing-apply.ts', [], { CW_DB_URL: tdb.url });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => victim.on('close', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve) => victim.stdout.on('data', (d) => String(d).includes('paused') && resolve()));
      victim.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const killedId = (await runRows(tdb))[0]!.run_id;

      const next = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], env);
      expect(next.code, next.stderr).toBe(0);
      expect(s.arrived()).toEqual(['GET beat', 'GET beat/fail', 'POST json']);
      expect(s.bodies('json')).toEqual([expect.objectContaining({ runId: killedId, job: 'revoke-inactive', outcome: 'interrupted', mode: 'apply' })]);
      expect(s.bodies('json')[0]!.reason).toMatch(/process ended/);
      expect((await runRows(tdb))[0]).toMatchObject({ status: 'interrupted', notify_error: null });

      // A second start (the scheduler's, then another apply) does not tell again.
      const loaded = loadJobsConfig(config, JOBS).config;
      await runSchedulerService({ spec: parseConnectionSpec(tdb.url), config: loaded, entries: [], log: silentLog, stop: Promise.resolve(), env });
      const again = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], env);
      expect(again.code, again.stderr).toBe(0);
      expect(s.bodies('json').filter((b) => b.outcome === 'interrupted')).toHaveLength(1);
      expect(s.mails).toHaveLength(0);
    });

    it('the scheduler, at start, closes a run left running and tells once; its runs notify like CLI runs', async () => {
      const tdb = await fresh();
      await tdb.db
        .insertInto('cw_maint.run')
        .values({ job: 'revoke-inactive', mode: 'apply', status: 'running', trigger: 'schedule', params: '{}', started_at: new Date(Date.now() - 60_000), host: 'gone-host', os_user: 'gone' })
        .execute();
      const config = loadJobsConfig(
        writeConfig({
          jobs: { 'revoke-inactive': { ...REVOKE, schedule: '* * * * * *', mode: 'dry-run' } },
          notify: { heartbeatUrl: `${s.http}/beat/secret-all-jobs`, targets: [s.webhook('json', 'json', ['interrupted', 'succeeded'])] },
        }),
        JOBS,
      ).config;
      const stop = gate();
      const service = runSchedulerService({ spec: parseConnectionSpec(tdb.url), config, entries: scheduleEntries(config, JOBS), log: silentLog, stop: stop.opened, env: {} });
      await until(() => s.bodies('json').some((b) => b.outcome === 'succeeded'), 10_000);
      stop.open();
      await service;
      const interrupted = s.bodies('json').filter((b) => b.outcome === 'interrupted');
      expect(interrupted).toEqual([expect.objectContaining({ job: 'revoke-inactive', trigger: 'schedule', host: 'gone-host' })]);
      expect(s.bodies('json').find((b) => b.outcome === 'succeeded')).toMatchObject({ mode: 'dry-run', trigger: 'schedule', job: 'revoke-inactive' });
      expect(s.requests.some((r) => r.method === 'GET' && r.path === '/beat/secret-all-jobs')).toBe(true);
      expect((await runRows(tdb))[0]).toMatchObject({ status: 'interrupted' });

      s.requests.length = 0;
      await runSchedulerService({ spec: parseConnectionSpec(tdb.url), config, entries: [], log: silentLog, stop: Promise.resolve(), env: {} });
      expect(s.bodies('json')).toHaveLength(0);
    });

    it('upgrading (migration 004) does not announce runs interrupted before notifications existed', async () => {
      const tdb = await fresh({ migrate: false });
      expect((await createMigrator(tdb.db, tdb.adapter, 'cw_maint').migrateTo('2026-11-26-003-complete-journal')).error).toBeUndefined();
      await tdb.db
        .insertInto('cw_maint.run')
        .values({ job: 'revoke-inactive', mode: 'apply', status: 'interrupted', trigger: 'manual', params: '{}', started_at: new Date(Date.now() - 86_400_000), host: 'old', os_user: 'old' })
        .execute();
      expect((await createMigrator(tdb.db, tdb.adapter, 'cw_maint').migrateToLatest()).error).toBeUndefined();
      expect((await runRows(tdb))[0]!.notified_at).not.toBeNull();
      const config = writeConfig({ jobs: { 'revoke-inactive': REVOKE }, notify: { targets: [s.webhook('json', 'json', ['interrupted', 'succeeded'])] } });
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], { CW_DB_URL: tdb.url });
      expect(applied.code, applied.stderr).toBe(0);
      expect(s.bodies('json').map((b) => b.outcome)).toEqual(['succeeded']);
    });

    it('targets that are down or hang do not hold the run past the timeout, nor change its exit code; the failure is logged and recorded', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${s.http}/hang/secret-beat-token` } },
        notify: {
          timeoutSeconds: 1,
          targets: [
            { type: 'webhook', url: `${s.http}/hang/secret-hook-token`, events: ['succeeded', 'refused'] },
            { type: 'webhook', url: `http://127.0.0.1:${s.closedPort}/secret-down-token`, format: 'slack', events: ['succeeded', 'refused'] },
            { type: 'webhook', url: `${s.http}/status/500/secret-500-token`, format: 'teams', events: ['succeeded', 'refused'] },
            emailTarget(s, { port: s.closedPort, events: ['succeeded', 'refused'] }),
          ],
        },
      });
      const env = { CW_DB_URL: tdb.url, ...SMTP_ENV };
      // A whole process (as cron runs it): the refusal stays exit 5, and it exits with the hanging target still open.
      const refused = await runCli([...REVOKE_ARGS, '--yes', '--max-changes', '1', '--config', config], env, { timeoutMs: 30_000 });
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr.match(/"event":"notify.failed"/g)).toHaveLength(5);

      const started = Date.now();
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', '--config', config], env);
      const elapsed = Date.now() - started;
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout).changed).toBeGreaterThan(0);
      const failures = applied.stderr
        .split('\n')
        .filter((l) => l.includes('"event":"notify.failed"'))
        .map((l) => JSON.parse(l));
      expect(failures).toHaveLength(5);
      for (const f of failures) expect(f.ms).toBeLessThan(2_500);
      expect(elapsed).toBeLessThan(15_000);
      const run = (await runRows(tdb)).at(-1)!;
      expect(run.status).toBe('succeeded');
      expect(run.notify_error).toContain('timed out after 1 s');
      expect(run.notify_error).toContain('ECONNREFUSED');
      expect(run.notify_error).toContain('HTTP 500');
      expect(`${run.notify_error} ${applied.stderr} ${refused.stderr}`).not.toContain('secret-');
      const shown = await runCliInProcess(['show', String(run.run_id), '--limit', '1'], env);
      expect(shown.stdout).toMatch(/^notify error +.*timed out after 1 s/m);
    });
  });
}
