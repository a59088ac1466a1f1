import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { loadConfigFile } from '../../src/config/config-file.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { scheduleEntries } from '../../src/scheduler/schedule-entries.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { runSchedulerService } from '../../src/scheduler/service.js';
import { runCli, runCliInProcess, spawnScript } from '../support/cli.js';
import { emailTarget, SMTP_ENV, SMTP_PASSWORD, startNotifyServers, until, type NotifyServers } from '../support/notify-servers.js';
import { gate, REVOKE, REVOKE_ARGS, runNamedJob, runRows, silentLog, writeConfig } from '../support/run.js';
import { seededDatabase, type TestDatabase } from '../support/test-database.js';

let servers: NotifyServers;
beforeAll(async () => {
  servers = await startNotifyServers();
});
afterAll(async () => {
  await servers.close();
});
beforeEach(() => {
  servers.mails.length = 0;
  servers.requests.length = 0;
});

/** What arrived, one word each, sorted: "mail", "POST json", "GET beat", "GET beat/fail". */
function arrived(): string[] {
  const requests = servers.requests.map((r) => `${r.method} ${r.path.split('/')[r.path.startsWith('/hook/') ? 2 : 1]}${r.path.endsWith('/fail') ? '/fail' : ''}`);
  return [...servers.mails.map(() => 'mail'), ...requests].sort();
}

/** Every message any receiver got (the URLs' own paths aside), to look for secrets in. */
function everything(): string {
  return [...servers.mails.map((m) => m.raw), ...servers.requests.map((r) => r.body)].join('\n');
}

function webhook(kind: string, format: string, events: string[]) {
  return { type: 'webhook', url: `${servers.http}/hook/${kind}/secret-${kind}-token`, format, events };
}

function bodies(kind: string) {
  return servers.requests.filter((r) => r.path.startsWith(`/hook/${kind}/`)).map((r) => r.json as Record<string, any>);
}

for (const engine of inject('engines')) {
  describe(`notifications on ${engine.name}`, () => {
    const open: TestDatabase[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((d) => d.drop()));
    });
    const fresh = async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy' });
      open.push(tdb);
      return tdb;
    };
    const dbPassword = () => new URL(engine.adminUrl).password;

    it('a refused, a failed and a successful run each notify exactly the targets that asked for that event', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${servers.http}/beat/secret-beat-token` } },
        notify: {
          timeoutSeconds: 5,
          targets: [emailTarget(servers), webhook('json', 'json', ['succeeded']), webhook('slack', 'slack', ['refused']), webhook('teams', 'teams', ['failed', 'succeeded-with-changes'])],
        },
      });
      const env = { CW_DB_URL: tdb.url, ...SMTP_ENV };

      const refused = await runCliInProcess([...REVOKE_ARGS, '--yes', '--max-changes', '1', '--config', config], env);
      expect(refused.code, refused.stderr).toBe(5);
      expect(arrived()).toEqual(['GET beat/fail', 'POST slack', 'mail']);
      const refusedRun = (await runRows(tdb)).at(-1)!;
      expect(refusedRun).toMatchObject({ status: 'refused', notify_error: null });
      expect(refusedRun.notified_at).not.toBeNull();
      expect(servers.mails[0]!.to).toEqual(['dba@example.test']);
      expect(servers.mails[0]!.user).toBe('alerts');
      expect(servers.mails[0]!.text).toContain(`revoke-inactive refused (apply, run ${refusedRun.run_id})`);
      expect(servers.mails[0]!.text).toContain(`See more: npm run job -- show ${refusedRun.run_id}`);
      expect(servers.mails[0]!.text).toContain(`Database: ${tdb.name}`);
      expect(servers.mails[0]!.text).toMatch(/Reason: .*maxChanges/);
      expect(bodies('slack')[0]!.text).toContain('refused');
      // The logs name targets by origin only.
      expect(refused.stderr).toContain('"event":"notify.sent"');
      expect(refused.stderr).not.toContain('secret-');
      const seen = [everything()];

      servers.mails.length = 0;
      servers.requests.length = 0;
      const notify = createNotifier({ config: loadConfigFile(config, JOBS).config, spec: tdb.spec, handle: tdb, log: silentLog, env })!.afterRun;
      const failed = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', {
        notify,
        hooks: {
          afterJournal: async () => {
            throw new Error('disk full (a test failure)');
          },
        },
      }).catch((e) => e);
      expect(failed).toBeInstanceOf(Error);
      expect(arrived()).toEqual(['GET beat/fail', 'POST teams', 'mail']);
      const failedRun = (await runRows(tdb)).at(-1)!;
      expect(failedRun).toMatchObject({ status: 'failed', notify_error: null });
      const card = bodies('teams')[0]!;
      expect(card.type).toBe('message');
      expect(card.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(card.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      expect(JSON.stringify(card)).toContain('disk full');
      seen.push(everything());

      servers.mails.length = 0;
      servers.requests.length = 0;
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', '--config', config], env);
      expect(applied.code, applied.stderr).toBe(0);
      const { runId, changed } = JSON.parse(applied.stdout);
      expect(changed).toBeGreaterThan(0);
      expect(arrived()).toEqual(['GET beat', 'POST json', 'POST teams']);
      expect(bodies('json')[0]).toMatchObject({
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
      expect(bodies('json')[0]!.server).toContain('127.0.0.1');
      expect(Date.parse(bodies('json')[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
      seen.push(everything());

      // Nothing left to change: "succeeded" always hears of it, "succeeded-with-changes" does not.
      servers.mails.length = 0;
      servers.requests.length = 0;
      const steady = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], env);
      expect(steady.code, steady.stderr).toBe(0);
      expect(arrived()).toEqual(['GET beat', 'POST json']);
      seen.push(everything());

      for (const text of seen) {
        expect(text).not.toContain(SMTP_PASSWORD);
        expect(text).not.toContain(dbPassword());
        expect(text).not.toContain('secret-');
      }
    });

    it('kill -9 mid-apply: the next start tells the targets that the run was interrupted, exactly once', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${servers.http}/beat/secret-beat-token` } },
        notify: { targets: [webhook('json', 'json', ['interrupted']), emailTarget(servers, { events: ['failed'] })] },
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
      expect(arrived()).toEqual(['GET beat', 'GET beat/fail', 'POST json']);
      expect(bodies('json')).toEqual([expect.objectContaining({ runId: killedId, job: 'revoke-inactive', outcome: 'interrupted', mode: 'apply' })]);
      expect(bodies('json')[0]!.reason).toMatch(/process ended/);
      expect((await runRows(tdb))[0]).toMatchObject({ status: 'interrupted', notify_error: null });

      // A second start (the scheduler's, then another apply) does not tell again.
      const loaded = loadConfigFile(config, JOBS).config;
      await runSchedulerService({ spec: parseConnectionSpec(tdb.url), config: loaded, entries: [], log: silentLog, stop: Promise.resolve(), env });
      const again = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], env);
      expect(again.code, again.stderr).toBe(0);
      expect(bodies('json').filter((b) => b.outcome === 'interrupted')).toHaveLength(1);
      expect(servers.mails).toHaveLength(0);
    });

    it('the scheduler, at start, closes a run left running and tells once; its runs notify like CLI runs', async () => {
      const tdb = await fresh();
      await tdb.db
        .insertInto('cw_maint.run')
        .values({ job: 'revoke-inactive', mode: 'apply', status: 'running', trigger: 'schedule', params: '{}', started_at: new Date(Date.now() - 60_000), host: 'gone-host', os_user: 'gone' })
        .execute();
      const config = loadConfigFile(
        writeConfig({
          jobs: { 'revoke-inactive': { ...REVOKE, schedule: '* * * * * *', mode: 'dry-run' } },
          notify: { heartbeatUrl: `${servers.http}/beat/secret-all-jobs`, targets: [webhook('json', 'json', ['interrupted', 'succeeded'])] },
        }),
        JOBS,
      ).config;
      const stop = gate();
      const service = runSchedulerService({ spec: parseConnectionSpec(tdb.url), config, entries: scheduleEntries(config, JOBS), log: silentLog, stop: stop.opened, env: {} });
      await until(() => bodies('json').some((b) => b.outcome === 'succeeded'), 10_000);
      stop.open();
      await service;
      const interrupted = bodies('json').filter((b) => b.outcome === 'interrupted');
      expect(interrupted).toEqual([expect.objectContaining({ job: 'revoke-inactive', trigger: 'schedule', host: 'gone-host' })]);
      expect(bodies('json').find((b) => b.outcome === 'succeeded')).toMatchObject({ mode: 'dry-run', trigger: 'schedule', job: 'revoke-inactive' });
      expect(servers.requests.some((r) => r.method === 'GET' && r.path === '/beat/secret-all-jobs')).toBe(true);
      expect((await runRows(tdb))[0]).toMatchObject({ status: 'interrupted' });

      servers.requests.length = 0;
      await runSchedulerService({ spec: parseConnectionSpec(tdb.url), config, entries: [], log: silentLog, stop: Promise.resolve(), env: {} });
      expect(bodies('json')).toHaveLength(0);
    });

    it('targets that are down or hang do not hold the run past the timeout, nor change its exit code; the failure is logged and recorded', async () => {
      const tdb = await fresh();
      const config = writeConfig({
        jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${servers.http}/hang/secret-beat-token` } },
        notify: {
          timeoutSeconds: 1,
          targets: [
            { type: 'webhook', url: `${servers.http}/hang/secret-hook-token`, events: ['succeeded', 'refused'] },
            { type: 'webhook', url: `http://127.0.0.1:${servers.closedPort}/secret-down-token`, format: 'slack', events: ['succeeded', 'refused'] },
            { type: 'webhook', url: `${servers.http}/status/500/secret-500-token`, format: 'teams', events: ['succeeded', 'refused'] },
            emailTarget(servers, { port: servers.closedPort, events: ['succeeded', 'refused'] }),
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
      const shown = await runCliInProcess(['show', String(run.run_id), '--limit', '0'], env);
      expect(shown.stdout).toMatch(/^notify error +.*timed out after 1 s/m);
    });
  });
}

describe('notify without a database', () => {
  it('notify --test sends to every target and reports each result; exit 1 when any failed', async () => {
    const config = writeConfig({
      notify: {
        timeoutSeconds: 2,
        heartbeatUrl: `${servers.http}/beat/secret-beat-token`,
        targets: [
          emailTarget(servers, { name: 'dba mail' }),
          webhook('slack', 'slack', ['failed']),
          webhook('teams', 'teams', ['failed']),
          webhook('json', 'json', ['failed']),
          { type: 'webhook', url: `${servers.http}/status/500/secret-500-token`, events: ['failed'] },
          emailTarget(servers, { name: 'wrong password', passwordEnv: 'CW_TEST_WRONG' }),
          emailTarget(servers, { name: 'no password', passwordEnv: 'CW_TEST_UNSET' }),
        ],
      },
    });
    const r = await runCliInProcess(['notify', '--test', '--config', config], { ...SMTP_ENV, CW_TEST_WRONG: 'not-the-password' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^sent +dba mail/m);
    expect(r.stdout).toMatch(/^sent +slack webhook http:\/\/127\.0\.0\.1:\d+\/…/m);
    expect(r.stdout).toMatch(/^FAILED +json webhook .*: HTTP 500/m);
    expect(r.stdout).toMatch(/^FAILED +wrong password .*Invalid/m);
    expect(r.stdout).toMatch(/^FAILED +no password .*CW_TEST_UNSET .*not set/m);
    expect(r.stdout).toMatch(/heartbeat http:\/\/127\.0\.0\.1:\d+\/…: not pinged/);
    expect(r.stderr).toContain('3 of 7 notify target(s) failed');
    expect(`${r.stdout}${r.stderr}`).not.toContain('secret-');
    expect(servers.mails).toHaveLength(1);
    expect(servers.mails[0]!.text).toContain('cw-maint: test message from');
    expect(servers.requests.filter((r) => r.path.startsWith('/beat/'))).toHaveLength(0);
    const slack = bodies('slack')[0]!;
    expect(slack.text).toContain('test message');
    expect(slack.blocks[0].type).toBe('header');
    expect(bodies('teams')[0]!.attachments[0].content.body[1].type).toBe('FactSet');
    expect(bodies('json')[0]).toMatchObject({ source: 'cw-maint', kind: 'test' });
    expect(everything()).not.toContain(SMTP_PASSWORD);
    expect(everything()).not.toContain('not-the-password');

    const ok = await runCliInProcess(['notify', '--test', '--json', '--config', writeConfig({ notify: { targets: [webhook('json', 'json', ['failed'])] } })]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).deliveries).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('a run that cannot reach the database notifies "failed" and pings /fail; the exit code stays 1', async () => {
    const config = writeConfig({
      jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${servers.http}/beat/secret-beat-token` } },
      notify: { targets: [webhook('json', 'json', ['failed']), webhook('slack', 'slack', ['succeeded'])] },
    });
    const r = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], { CW_DB_URL: `postgres://cw:db-Secret-99@127.0.0.1:${servers.closedPort}/cw` });
    expect(r.code).toBe(1);
    expect(arrived()).toEqual(['GET beat/fail', 'POST json']);
    expect(bodies('json')[0]).toMatchObject({ job: 'revoke-inactive', runId: null, outcome: 'failed', mode: 'apply', show: null, database: 'cw' });
    expect(bodies('json')[0]!.reason).toContain('Cannot connect');
    expect(everything()).not.toContain('db-Secret-99');
  });

  it("the README's notify example is a valid config", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /## Notifications[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { config } = loadConfigFile(writeConfig(JSON.parse(example!)), JOBS);
    expect(config.notify?.targets.map((t) => t.type)).toEqual(['email', 'webhook', 'webhook']);
    expect(config.notify?.targets[0]!.events).toEqual(['failed', 'refused', 'interrupted']);
  });

  it('a bad notify section is refused with every problem at once (exit 2); notify without --test is a usage error', async () => {
    const config = writeConfig({
      jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: 'ftp://example.test/x' } },
      notify: {
        timeoutSeconds: 0,
        colour: 'red',
        targets: [
          { type: 'webhook', url: 'not a url', format: 'discord', events: ['sometimes'] },
          { type: 'email', host: 'smtp.example.test', from: 'a@b.c', to: [], user: 'x' },
          { type: 'pager' },
        ],
      },
    });
    const r = await runCliInProcess(['notify', '--test', '--config', config]);
    expect(r.code).toBe(2);
    for (const problem of [
      'notify.timeoutSeconds',
      'notify: unknown key: colour',
      'notify.targets.0.url: must be an http:// or https:// URL',
      'notify.targets.0.format: must be "slack", "teams" or "json"',
      'notify.targets.0.events.0: must be one of',
      'notify.targets.1.to',
      'notify.targets.1.passwordEnv: user and passwordEnv go together',
      'notify.targets.2',
      'jobs.revoke-inactive.heartbeatUrl: must be an http:// or https:// URL',
    ]) {
      expect(r.stderr).toContain(problem);
    }
    const bare = await runCliInProcess(['notify']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('notify needs --test');
  });
});
