import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { resolveJobParams } from '../../src/vocabulary/job-params.js';
import { runCliInProcess } from '../support/cli.js';
import { writeConfig } from '../support/run.js';

/**
 * Every bad input is exit 2 with one clear line, before anything is connected to. CW_DB_URL points
 * at a port where nothing listens: a command that tried to connect would end in exit 1 instead.
 */
const NOWHERE = { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' };
const REVOKE = ['revoke-inactive', '--types', '1', '--statuses', '2'];

async function refused(args: string[], message: string | RegExp, env: Record<string, string> = {}) {
  const r = await runCliInProcess(args, { ...NOWHERE, ...env });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toContain('Cannot connect');
  expect(r.stderr).not.toContain('unexpected error');
  return r;
}

describe('inputs: exit 2, one clear line, before anything is connected to', () => {
  it('--ticket over 100 characters, on a job and on undo', async () => {
    await refused([...REVOKE, '--dry-run', '--ticket', 'x'.repeat(101)], '--ticket: at most 100 characters');
    await refused(['undo', '1', '--dry-run', '--ticket', 'x'.repeat(101)], '--ticket: at most 100 characters');
  });

  it('run ids of 2^31 and above for show and undo, echoed as typed (never rounded)', async () => {
    await refused(['show', '2147483648'], 'runId must be a run id (see npm run job -- history): a whole number from 1 to 2,147,483,647, got "2147483648"');
    await refused(['undo', '2147483648', '--dry-run'], 'runId must be a run id');
    const r = await refused(['show', '99999999999999999999'], 'got "99999999999999999999"');
    expect(r.stderr).not.toContain('100000000000000000000');
    await refused(['show', '0'], 'from 1 to');
  });

  it('every --limit has one rule and a maximum', async () => {
    for (const args of [['history', '--limit'], ['show', '1', '--limit']]) {
      await refused([...args, '0'], '--limit must be a whole number from 1 to 1,000,000, got "0"');
      await refused([...args, '99999999999999999999'], '--limit must be a whole number from 1 to 1,000,000, got "99999999999999999999"');
      await refused([...args, '1000001'], 'from 1 to 1,000,000');
      await refused([...args, 'ten'], 'from 1 to 1,000,000');
    }
  });

  it("--max-percent '' is refused as --max-changes '' is; --allow-status 0 too; all problems at once", async () => {
    await refused([...REVOKE, '--dry-run', '--max-percent', ''], '--max-percent must be a number from 0 to 100, got ""');
    await refused([...REVOKE, '--dry-run', '--max-changes', ''], '--max-changes must be a whole number');
    await refused([...REVOKE, '--dry-run', '--allow-status', '0'], '--allow-status must be a list of RecIDs, each a whole number from 1');
    const r = await refused([...REVOKE, '--dry-run', '--max-percent', '', '--allow-status', '0', '--ticket', 'x'.repeat(101)], 'Invalid command line');
    for (const flag of ['--max-percent', '--allow-status', '--ticket']) expect(r.stderr).toContain(`  - ${flag}`);
  });

  it('init --config into a missing folder, or with an overlong name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-init-'));
    await refused(['init', '--config', join(dir, 'missing', 'cw.json')], `the folder ${join(dir, 'missing')} does not exist`);
    await refused(['init', '--config', join(dir, `${'n'.repeat(300)}.json`)], 'the file name is too long');
    writeFileSync(join(dir, 'file'), '');
    await refused(['init', '--config', join(dir, 'file', 'cw.json')], 'is not a folder');
  });

  it('grants --login: the role <login>_role must fit PostgreSQL\'s 63 bytes', async () => {
    await refused(['grants', '--engine', 'postgres', '--login', 'l'.repeat(59)], /its role "l{59}_role" would be 64 bytes, and PostgreSQL keeps 63 \(a login of at most 58 bytes\)/);
    const fits = await runCliInProcess(['grants', '--engine', 'postgres', '--login', 'l'.repeat(58)]);
    expect(fits.code, fits.stderr).toBe(0);
    expect(fits.stdout).toContain(`${'l'.repeat(58)}_role`);
    // SQL Server's names hold 128 characters.
    expect((await runCliInProcess(['grants', '--engine', 'mssql', '--login', 'l'.repeat(63)])).code).toBe(0);
  });

  it("an undo whose Updated_By stamp would not fit ConnectWise's 30 characters is refused, never cut", async () => {
    const config = writeConfig({ updatedBy: 'svc-cwmaint-nightly-abcde' });
    const r = await refused(['undo', '7', '--yes', '--config', config], 'an undo stamps Updated_By with "svc-cwmaint-nightly-abcde:undo 7", 32 characters');
    expect(r.stderr).toContain('at most 23 characters');
    // A dry run writes no stamp.
    expect((await runCliInProcess(['undo', '7', '--dry-run', '--config', config], NOWHERE)).code).toBe(1);
  });

  it('requireTicket: an apply or undo without a ticket is exit 2; a ticket must match ticketPattern; a dry run needs none', async () => {
    const config = writeConfig({ requireTicket: true, ticketPattern: '^CHG-[0-9]+$' });
    await refused([...REVOKE, '--yes', '--config', config], '--ticket: required: the config says "requireTicket"');
    await refused(['undo', '3', '--yes', '--config', config], '--ticket: required');
    await refused([...REVOKE, '--yes', '--config', config, '--ticket', 'chg 12'], "--ticket: does not match the config's ticketPattern ^CHG-[0-9]+$");
    // Past the checks, these try to connect (exit 1): nothing refused them.
    expect((await runCliInProcess([...REVOKE, '--yes', '--config', config, '--ticket', 'CHG-12'], NOWHERE)).code).toBe(1);
    expect((await runCliInProcess([...REVOKE, '--dry-run', '--config', config], NOWHERE)).code).toBe(1);
    const scheduled = writeConfig({ requireTicket: true, jobs: { 'revoke-inactive': { companyTypes: [1], companyStatuses: [2], schedule: '0 4 * * *', mode: 'apply' } } });
    await refused(['list', '--config', scheduled], 'jobs.revoke-inactive: a scheduled apply needs a ticket');
    await refused(['list', '--config', writeConfig({ ticketPattern: '([' })], 'ticketPattern: must be a regular expression');
  });

  it('a leading space in a Company_ID is kept (the server compares: SQL Server ignores trailing spaces only); a blank one is refused', () => {
    const job = JOBS.find((j) => j.name === 'set-company-portal')!;
    const config = { jobs: {} } as never;
    expect(resolveJobParams(job, config, { level: '3', companyId: ' Co00287' }).params.companyId).toBe(' Co00287');
    expect(() => resolveJobParams(job, config, { level: '3', companyId: '   ' })).toThrow(/Invalid parameters/);
  });
});

describe('the config file', () => {
  it('a key given twice is refused, naming the key and both lines (a job entry given twice too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-dup-'));
    const file = join(dir, 'cw.json');
    writeFileSync(
      file,
      ['{', '  "maxChanges": 10,', '  "jobs": {', '    "revoke-inactive": { "companyTypes": [1], "companyStatuses": [2] },', '    "revoke-inactive": { "companyTypes": [1], "companyStatuses": [1] }', '  },', '  "maxChanges": 5000', '}'].join('\n'),
    );
    const r = await refused(['list', '--config', file], 'is invalid');
    expect(r.stderr).toContain('jobs.revoke-inactive: key given twice (lines 4 and 5)');
    expect(r.stderr).toContain('maxChanges: key given twice (lines 2 and 7)');
  });

  it('a UTF-8 byte-order mark (Notepad) is accepted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cwm-bom-')), 'cw.json');
    writeFileSync(file, `\uFEFF${JSON.stringify({ jobs: { 'revoke-inactive': { companyTypes: [1], companyStatuses: [2] } } })}`);
    const r = await runCliInProcess(['list', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('revoke-inactive');
  });

  it('a scheduled entry without mode is reported in the same pass as every other problem', async () => {
    const config = writeConfig({ maxChanges: -1, jobs: { 'revoke-inactive': { companyTypes: [0], companyStatuses: [2], schedule: '0 4 * * *' } } });
    const r = await refused(['list', '--config', config], 'is invalid');
    expect(r.stderr).toContain('maxChanges');
    expect(r.stderr).toContain('jobs.revoke-inactive.companyTypes.0');
    expect(r.stderr).toContain('jobs.revoke-inactive.mode: required with a schedule');
  });

  it('webhook and heartbeat URLs with user:password@ are refused at the check, with a hint', async () => {
    const config = writeConfig({
      notify: { heartbeatUrl: 'https://u:p@hc-ping.com/x', targets: [{ type: 'webhook', url: 'https://user:secret@hooks.example.com/x' }] },
      jobs: { 'revoke-inactive': { companyTypes: [1], companyStatuses: [2], heartbeatUrl: 'https://a:b@hc-ping.com/y' } },
    });
    const r = await refused(['list', '--config', config], 'is invalid');
    for (const at of ['notify.heartbeatUrl', 'notify.targets.0.url', 'jobs.revoke-inactive.heartbeatUrl']) {
      expect(r.stderr).toContain(`${at}: must not hold a user name or password (user:password@host)`);
    }
    expect(r.stderr).toContain('whose secret is in its path or query');
    expect(r.stderr).not.toContain('secret@');
  });

  it('"no config file found" says which path was tried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-none-'));
    mkdirSync(join(dir, 'sub'));
    const cwd = process.cwd();
    process.chdir(join(dir, 'sub'));
    try {
      const r = await refused(['notify', '--test'], `no config file found: looked for ${join(dir, 'sub', 'cw-maint.config.json')}; name one with --config FILE or CW_MAINT_CONFIG`);
      expect(r.stderr).toContain('No notify targets');
      const job = await refused([...REVOKE.slice(0, 1), '--dry-run'], `(read from the config (no config file found: looked for ${join(dir, 'sub', 'cw-maint.config.json')}`);
      expect(job.stderr).toContain('required; give --types 1,2');
    } finally {
      process.chdir(cwd);
    }
  });
});
