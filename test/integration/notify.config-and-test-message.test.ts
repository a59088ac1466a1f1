import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { loadJobsConfig } from '../../src/vocabulary/job-params.js';
import { runCliInProcess } from '../support/cli.js';
import { emailTarget, SMTP_ENV, SMTP_PASSWORD, useNotifyServers } from '../support/notify-servers.js';
import { REVOKE, REVOKE_ARGS, writeConfig } from '../support/run.js';

// notify --test, the notify section's validation, and a run that never reaches a database.
const s = useNotifyServers();

describe('notify without a database', () => {
  it('notify --test sends to every target and reports each result; exit 1 when any failed', async () => {
    const config = writeConfig({
      notify: {
        timeoutSeconds: 2,
        heartbeatUrl: `${s.http}/beat/secret-beat-token`,
        targets: [
          emailTarget(s, { name: 'dba mail' }),
          s.webhook('slack', 'slack', ['failed']),
          s.webhook('teams', 'teams', ['failed']),
          s.webhook('json', 'json', ['failed']),
          { type: 'webhook', url: `${s.http}/status/500/secret-500-token`, events: ['failed'] },
          emailTarget(s, { name: 'wrong password', passwordEnv: 'CW_TEST_WRONG' }),
          emailTarget(s, { name: 'no password', passwordEnv: 'CW_TEST_UNSET' }),
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
    expect(s.mails).toHaveLength(1);
    expect(s.mails[0]!.text).toContain('cw-maint: test message from');
    expect(s.requests.filter((r) => r.path.startsWith('/beat/'))).toHaveLength(0);
    const slack = s.bodies('slack')[0]!;
    expect(slack.text).toContain('test message');
    expect(slack.blocks[0].type).toBe('header');
    expect(s.bodies('teams')[0]!.attachments[0].content.body[1].type).toBe('FactSet');
    expect(s.bodies('json')[0]).toMatchObject({ source: 'cw-maint', kind: 'test' });
    expect(s.everything()).not.toContain(SMTP_PASSWORD);
    expect(s.everything()).not.toContain('not-the-password');

    const ok = await runCliInProcess(['notify', '--test', '--json', '--config', writeConfig({ notify: { targets: [s.webhook('json', 'json', ['failed'])] } })]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).deliveries).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('a run that cannot reach the database notifies "failed" and pings /fail; the exit code stays 1', async () => {
    const config = writeConfig({
      jobs: { 'revoke-inactive': { ...REVOKE, heartbeatUrl: `${s.http}/beat/secret-beat-token` } },
      notify: { targets: [s.webhook('json', 'json', ['failed']), s.webhook('slack', 'slack', ['succeeded'])] },
    });
    const r = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config], { CW_DB_URL: `postgres://cw:db-Secret-99@127.0.0.1:${s.closedPort}/cw` });
    expect(r.code).toBe(1);
    expect(s.arrived()).toEqual(['GET beat/fail', 'POST json']);
    expect(s.bodies('json')[0]).toMatchObject({ job: 'revoke-inactive', runId: null, outcome: 'failed', mode: 'apply', show: null, database: 'cw' });
    expect(s.bodies('json')[0]!.reason).toContain('Cannot connect');
    expect(s.everything()).not.toContain('db-Secret-99');
  });

  it("the README's notify example is a valid config", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /## Notifications[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const { config } = loadJobsConfig(writeConfig(JSON.parse(example!)), JOBS);
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
