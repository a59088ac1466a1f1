import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, runCliInProcess } from '../support/cli.js';
import { renameColumn } from '../support/schema-edits.js';
import { dboChecksum, seededDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The CLI as cron runs it: exit codes, one-line errors, --json on stdout, logs on stderr. Most of
 * it runs in-process (the same main() the entry point calls); a real process where only a real
 * process can tell: the exit status itself.
 */
describe('CLI as a real process', () => {
  it('--help exits 0 and lists every job; a usage error exits 2 with one clear line', async () => {
    const [help, bad] = await Promise.all([runCli(['--help']), runCli(['revoke-inactive', '--types', 'abc', '--statuses', '2'], { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' })]);
    expect(help.code).toBe(0);
    for (const name of ['set-primary-portal', 'revoke-inactive', 'history', 'migrations-check']) expect(help.stdout).toContain(name);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('revoke-inactive.companyTypes.0: must be a RecID');
    expect(bad.stderr).not.toContain('    at ');
  });
});

describe('CLI without a database', () => {
  // Port 9 on loopback: nothing listens, so a connection attempt would fail with exit 1, not 2.
  const unreachable = 'postgres://u:secret-pw@127.0.0.1:9/db';

  it('--help lists every job and command, exit 0', async () => {
    const r = await runCliInProcess(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['set-primary-portal', 'set-billing-portal', 'set-company-portal', 'revoke-inactive', 'history', 'migrate', 'migrations-check']) {
      expect(r.stdout).toContain(name);
    }
  });

  it('an unknown job is exit 2 with a clear message', async () => {
    const r = await runCliInProcess(['revoke-everything']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'revoke-everything'");
  });

  it.each([
    [['set-primary-portal', '--level', '0', '--types', '1', '--statuses', '1'], 'set-primary-portal.level: must be from 1 to 6'],
    [['set-primary-portal', '--level', '9', '--types', '1', '--statuses', '1'], 'set-primary-portal.level: must be from 1 to 6'],
    [['revoke-inactive', '--types', 'abc', '--statuses', '2'], 'revoke-inactive.companyTypes.0: must be a RecID'],
    [['revoke-inactive', '--types', '', '--statuses', '2'], 'revoke-inactive.companyTypes: must list at least one RecID'],
    [['set-company-portal', '--level', '3'], 'set-company-portal.companyId: required'],
    [['revoke-inactive', '--types', '1', '--statuses', '2', '--level', '3'], "unknown option '--level'"],
    [['set-company-portal', '--level', '3', '--company', 'x'.repeat(51)], 'set-company-portal.companyId: must be at most 50 characters'],
  ])('bad parameters %j: exit 2, no connection attempted', async (args, message) => {
    const r = await runCliInProcess(args, { CW_DB_URL: unreachable });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('Cannot connect');
  });

  it('every problem in a config file is reported at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ maxChange: 5, jobs: { 'revoke-inactve': {}, 'revoke-inactive': { companyTypes: [], companyStatuses: ['x'], colour: 'red' } } }));
    const bad = await runCliInProcess(['revoke-inactive', '--dry-run', '--config', file], { CW_DB_URL: unreachable });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown key: maxChange');
    expect(bad.stderr).toContain('jobs.revoke-inactve: no such job');
    // Errors inside job entries come in the same report as the top-level ones, whatever the verb.
    expect(bad.stderr).toContain('jobs.revoke-inactive: unknown key: colour');
    const history = await runCliInProcess(['history', '--config', file], { CW_DB_URL: unreachable });
    expect(history.code).toBe(2);
    expect(history.stderr).toContain('jobs.revoke-inactive: unknown key: colour');
    expect(history.stderr).toContain('unknown key: maxChange');
    writeFileSync(file, JSON.stringify({ jobs: { 'revoke-inactive': { companyTypes: [], companyStatuses: ['x'], colour: 'red' } } }));
    const r = await runCliInProcess(['revoke-inactive', '--dry-run', '--config', file], { CW_DB_URL: unreachable });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('revoke-inactive: unknown key: colour');
    expect(r.stderr).toContain('revoke-inactive.companyTypes: must list at least one RecID');
    expect(r.stderr).toContain('revoke-inactive.companyStatuses.0: must be a RecID');
  });

  it('a missing or malformed CW_DB_URL is exit 2, an unreachable server exit 1, and no password is ever printed', async () => {
    const args = ['revoke-inactive', '--dry-run', '--types', '1', '--statuses', '2'];
    const missing = await runCliInProcess(args, { CW_DB_URL: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CW_DB_URL is not set');
    const malformed = await runCliInProcess(args, { CW_DB_URL: 'mysql://u:secret-pw@h/db' });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a connection string cw-maint understands');
    const down = await runCliInProcess(args, { CW_DB_URL: unreachable });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Cannot connect to postgres://u@127.0.0.1:9/db');
    expect(down.stderr).not.toContain('at ');
    for (const r of [missing, malformed, down]) expect(r.stdout + r.stderr).not.toContain('secret-pw');
  });
});

for (const engine of inject('engines')) {
  describe(`CLI against ${engine.name}`, () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await seededDatabase(engine, { layout: 'legacy', migrate: false });
    });
    afterAll(async () => {
      await tdb?.drop();
    });
    const env = () => ({ CW_DB_URL: tdb.url });
    const revoke = ['revoke-inactive', '--types', '1,9', '--statuses', '2,7'];

    it('dry run --json: one JSON object on stdout, nothing written', async () => {
      const before = await dboChecksum(tdb.db);
      const r = await runCliInProcess([...revoke, '--dry-run', '--json'], env());
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(Object.keys(report).sort()).toEqual(['changed', 'job', 'matched', 'mode', 'outcome', 'params', 'planned', 'runId', 'statements', 'unchanged']);
      // Round trips: a dry run stays within the apply's budget (12 plus its batches).
      expect(Number.isInteger(report.statements) && report.statements > 0 && report.statements <= 12).toBe(true);
      expect(report).toMatchObject({ job: 'revoke-inactive', mode: 'dry-run', params: { companyTypes: [1, 9], companyStatuses: [2, 7] } });
      expect(report.matched).toBe(report.changed + report.unchanged);
      expect(await dboChecksum(tdb.db)).toBe(before);
    });

    it('apply before migrations: exit 3 naming the command; migrate then apply: exit 0 with a run id; wrong password: exit 1', async () => {
      const noYes = await runCliInProcess([...revoke], env());
      expect(noYes.code).toBe(2); // not a terminal and no --yes: refused before connecting
      expect(noYes.stderr).toContain('needs --yes');
      const blocked = await runCliInProcess([...revoke, '--yes'], env());
      expect(blocked.code).toBe(3);
      expect(blocked.stderr).toContain('npm run migrate');

      const ddl = await runCliInProcess(['migrate', '--dry-run'], env());
      expect(ddl.code).toBe(0);
      expect(ddl.stdout.toLowerCase()).toContain('create table');
      expect((await runCliInProcess([...revoke, '--yes'], env())).code).toBe(3); // --dry-run executed nothing

      expect((await runCliInProcess(['migrate'], env())).code).toBe(0);
      expect((await runCliInProcess(['migrate'], env())).stdout).toContain('Nothing to do');
      const applied = await runCliInProcess([...revoke, '--json', '--yes'], env());
      expect(applied.code).toBe(0);
      const report = JSON.parse(applied.stdout);
      expect(report).toMatchObject({ mode: 'apply', runId: expect.any(Number) });
      expect(report.changed).toBeGreaterThan(0);
      expect(applied.stderr).toContain('"event":"run.end"');

      const guard = await runCliInProcess(['revoke-inactive', '--types', '1', '--statuses', '1', '--yes'], env());
      expect(guard.code).toBe(5);
      const dryGuard = await runCliInProcess(['revoke-inactive', '--types', '1', '--statuses', '1', '--dry-run'], env());
      expect(dryGuard.code).toBe(5);
      expect(dryGuard.stdout).toMatch(/changed\s+[1-9]/); // the plan is shown
      expect(dryGuard.stdout).toContain('An apply of this plan would be refused');
      expect(dryGuard.stderr).toContain('1 (Active) is not marked inactive');

      const history = await runCliInProcess(['history', '--json', '--limit', '5'], env());
      expect(history.code).toBe(0);
      const runs = JSON.parse(history.stdout);
      expect(runs.map((x: { mode: string; status: string }) => `${x.mode} ${x.status}`)).toEqual(['dry-run refused', 'apply refused', 'apply succeeded']);

      const url = new URL(tdb.url);
      url.password = 'wrong-secret';
      const denied = await runCliInProcess([...revoke, '--dry-run'], { CW_DB_URL: url.toString() });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/Cannot connect/);
      expect(denied.stderr).not.toContain('wrong-secret');
    });

    it('migrations-check: exit 0 and --json report; a missing column is exit 3 naming the job and the column', async () => {
      const r = await runCliInProcess(['migrations-check', '--json'], env());
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ layout: 'legacy', ok: true, blocked: {} });

      await renameColumn(tdb.db, engine, 'dbo.Contact', 'Disable_Flag', 'Portal_Disable_Flag');
      try {
        const broken = await runCliInProcess(['migrations-check'], env());
        expect(broken.code).toBe(3);
        expect(broken.stdout).toMatch(/MISSING dbo\.Contact\.Disable_Flag/);
        expect(broken.stderr).toContain('revoke-inactive cannot run: dbo.Contact.Disable_Flag not found');
        const job = await runCliInProcess([...revoke, '--dry-run'], env());
        expect(job.code).toBe(3);
        expect(job.stderr).toContain('revoke-inactive cannot run: dbo.Contact.Disable_Flag not found');
        const other = await runCliInProcess(['set-company-portal', '--level', '2', '--company', 'Co00002', '--dry-run'], env());
        expect(other.code, other.stderr).toBe(0);
      } finally {
        await renameColumn(tdb.db, engine, 'dbo.Contact', 'Portal_Disable_Flag', 'Disable_Flag');
      }
    });
  });
}
