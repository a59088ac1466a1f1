import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { openDatabase } from '../../src/db/connect.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { checkPrivileges } from '../../src/preflight/privileges/check.js';
import { probePrivileges } from '../../src/preflight/privileges/probe.js';
import { preflight } from '../../src/preflight/preflight.js';
import { runCliInProcess } from '../support/cli.js';
import { REVOKE_ARGS } from '../support/run.js';
import { serviceLoginFromGrants, type ServiceLogin } from '../support/service-login.js';
import { dboChecksum, seededDatabase, type TestDatabase } from '../support/test-database.js';

const BIG = ['--max-changes', '100000', '--max-percent', '100'];

/** Runs `fn` with a Kysely handle logged in as the service login (for "everything else is denied"). */
async function asLogin<T>(url: string, fn: (db: import('kysely').Kysely<any>) => Promise<T>): Promise<T> {
  const handle = await openDatabase(parseConnectionSpec(url, 'test'), { poolSize: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.db.destroy();
  }
}

async function denied(url: string, statement: string): Promise<string> {
  return asLogin(url, async (db) => {
    try {
      await sql.raw(statement).execute(db);
      return 'allowed';
    } catch (error) {
      return String((error as Error).message);
    }
  });
}

for (const engine of inject('engines')) {
  describe(`least privilege on ${engine.name}`, () => {
    const open: Array<TestDatabase | ServiceLogin> = [];
    afterEach(async () => {
      for (const item of open.splice(0)) await item.drop();
    });

    it('a login made from the grants script runs every job, migrations-check, lookup, init, plan, show, --report, history and undo; everything else is denied', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      const service = await serviceLoginFromGrants(tdb);
      open.push(tdb, service);
      expect(service.script).toContain('GRANT UPDATE');
      expect(service.script).not.toMatch(/GRANT (DELETE|ALTER|CONTROL)|GRANT UPDATE ON .*journal/i);
      const env = { CW_DB_URL: service.url };
      const dir = mkdtempSync(join(tmpdir(), 'cwm-priv-'));
      const config = join(dir, 'cw-maint.config.json');

      const check = await runCliInProcess(['migrations-check'], env);
      expect(check.stderr + check.stdout).toContain('All jobs can run');
      expect(check.stdout).not.toContain('WARNING');
      expect(check.code).toBe(0);

      expect((await runCliInProcess(['init', '--config', config], env)).code).toBe(0);
      for (const what of ['statuses', 'types', 'levels']) expect((await runCliInProcess(['lookup', what, '--config', config], env)).code).toBe(0);
      const plan = await runCliInProcess(['plan', '--config', config], env);
      expect([0, 5]).toContain(plan.code);

      // Every job: those init configures from the config, the others with their flags.
      const jobs = JSON.parse(readFileSync(config, 'utf8')).jobs as Record<string, { companyTypes: number[]; companyStatuses: number[] }>;
      const active = jobs['set-primary-portal']!;
      const flags: Record<string, string[]> = {
        'set-company-portal': ['--company', await anyCompanyId(tdb), '--level', '2'],
        'restore-reactivated': ['--types', active.companyTypes.join(','), '--statuses', active.companyStatuses.join(',')],
      };
      expect([...Object.keys(jobs), ...Object.keys(flags)].sort()).toEqual(JOBS.map((j) => j.name).sort());
      let lastApply = 0;
      for (const job of JOBS.map((j) => j.name)) {
        const report = join(dir, `${job}.csv`);
        const r = await runCliInProcess([job, '--yes', '--json', '--config', config, '--allow-status', allStatuses(config), '--report', report, ...BIG, ...(flags[job] ?? [])], env);
        expect(r.stderr, job).not.toMatch(/permission denied|cannot run/i);
        expect(r.code, `${job}: ${r.stderr}`).toBe(0);
        const out = JSON.parse(r.stdout) as { runId: number; changed: number };
        if (out.changed > 0) lastApply = out.runId;
      }
      expect(lastApply).toBeGreaterThan(0);
      expect((await runCliInProcess(['show', String(lastApply), '--config', config], env)).code).toBe(0);
      expect((await runCliInProcess(['history', '--config', config], env)).code).toBe(0);
      const undo = await runCliInProcess(['undo', String(lastApply), '--yes', '--config', config], env);
      expect(undo.code, undo.stderr).toBe(0);

      // Everything else is denied: other columns, history rewrites, deletes, DDL.
      for (const statement of [
        'UPDATE dbo."Contact" SET "First_Name" = \'x\'',
        'DELETE FROM dbo."Contact"',
        'UPDATE cw_maint.journal SET old_value = 0',
        'DELETE FROM cw_maint.journal',
        'UPDATE cw_maint.run SET job = \'x\'',
        'DELETE FROM cw_maint.run',
        'CREATE TABLE cw_maint.extra (x int)',
        'DROP TABLE cw_maint.journal',
      ]) {
        expect(await denied(service.url, engine.engine === 'mssql' ? statement.replaceAll('"', '') : statement), statement).toMatch(/permission|denied|must be owner/i);
      }
    }, 300_000);

    it('revoking UPDATE on one column blocks exactly the jobs that write it (exit 3, table and column named), with zero writes', async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy' });
      const service = await serviceLoginFromGrants(tdb);
      open.push(tdb, service);
      const role = engine.engine === 'mssql' ? `[${service.login}_role]` : `"${service.login}_role"`;
      const contact = engine.engine === 'mssql' ? 'dbo.[Contact]' : 'dbo."Contact"';
      if (engine.flavor === 'babelfish') {
        // Babelfish difference: REVOKE UPDATE (column) is accepted but revokes nothing (the column
        // stays updatable). The same state is reached by revoking UPDATE and granting back the rest.
        await sql.raw(`REVOKE UPDATE ON ${contact} FROM ${role}; GRANT UPDATE (Disable_Flag, Last_Update, Last_Update_UTC, Updated_By) ON ${contact} TO ${role}`).execute(tdb.db);
      } else {
        const column = engine.engine === 'mssql' ? '[Portal_Security_Level]' : '"Portal_Security_Level"';
        await sql.raw(`REVOKE UPDATE (${column}) ON ${contact} FROM ${role}`).execute(tdb.db);
      }
      const env = { CW_DB_URL: service.url };

      const check = await runCliInProcess(['migrations-check'], env);
      expect(check.code).toBe(3);
      const writers = JOBS.filter((j) => j.writes === 'Portal_Security_Level').map((j) => j.name);
      for (const job of JOBS.map((j) => j.name)) {
        const line = `${job} cannot run: no UPDATE permission on dbo.Contact.Portal_Security_Level`;
        if (writers.includes(job)) expect(check.stderr).toContain(line);
        else expect(check.stderr).not.toContain(`${job} cannot run`);
      }

      const before = await dboChecksum(tdb.db);
      const apply = await runCliInProcess(['set-company-portal', '--company', await anyCompanyId(tdb), '--level', '3', '--yes', ...BIG], env);
      expect(apply.code, apply.stderr).toBe(3);
      expect(apply.stderr).toContain('dbo.Contact.Portal_Security_Level');
      // A dry run needs no UPDATE: it still works.
      const dry = await runCliInProcess(['set-company-portal', '--company', await anyCompanyId(tdb), '--level', '3', '--dry-run'], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(await dboChecksum(tdb.db)).toBe(before);

      // An undo needs UPDATE only on the column the undone run changed (issue 23): a revoke's undo runs.
      const revoke = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', ...BIG], env);
      expect(revoke.code, revoke.stderr).toBe(0);
      const undo = await runCliInProcess(['undo', String(JSON.parse(revoke.stdout).runId), '--yes'], env);
      expect(undo.code, undo.stderr).toBe(0);
      expect(undo.stdout).toMatch(/Restored \d+ rows/);
    });

    it('the script printed without a database (--engine) grants only what the database has, and that is enough', async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy' });
      const service = await serviceLoginFromGrants(tdb, { offline: true });
      open.push(tdb, service);
      expect(service.script).toContain('Company_Company_Type');
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: service.url });
      expect(r.stdout).toContain('All jobs can run');
      expect(r.code, r.stderr).toBe(0);
    }, 120_000);

    it('a hidden table is not an absent one: no legacy layout for a hidden Company_Company_Type, no pass for a hidden foreign table in the journal schema', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      const service = await serviceLoginFromGrants(tdb);
      open.push(tdb, service);
      const q = (name: string) => (engine.engine === 'mssql' ? `[${name}]` : `"${name}"`);
      // An upgraded database that kept the old column: with the link table hidden it would look legacy.
      await sql.raw(`ALTER TABLE dbo.${q('Company')} ADD ${engine.engine === 'postgres' ? 'COLUMN ' : ''}${q('Company_Type_RecID')} int`).execute(tdb.db);
      await sql.raw(`REVOKE SELECT ON dbo.${q('Company_Company_Type')} FROM ${q(`${service.login}_role`)}`).execute(tdb.db);
      await sql.raw(`CREATE TABLE cw_maint.${q('not_ours')} (x int)`).execute(tdb.db);
      const r = await runCliInProcess(['migrations-check', '--json'], { CW_DB_URL: service.url });
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).layout).toBe('many-to-many');
      expect(r.stderr).toContain('no SELECT permission on dbo.Company_Company_Type');
      expect(r.stderr).toContain('cannot be checked: dbo.Company_Company_Type exists but this login has no permission on it');
      expect(r.stderr).toMatch(/holds tables that are not cw-maint's \(not_ours\)/);
    }, 120_000);

    it('an administrator login gets a warning in the report (sysadmin, db_owner, superuser, owner)', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      open.push(tdb);
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: tdb.url });
      expect(r.stdout).toMatch(/WARNING: the login is (sysadmin|db_owner|owner of dbo\.Contact)/);
      const json = JSON.parse((await runCliInProcess(['migrations-check', '--json'], { CW_DB_URL: tdb.url })).stdout);
      expect(json.privileges.warnings.length).toBeGreaterThan(0);
    });
  });
}

describe('a superuser login', () => {
  it('is found by the permission query (PGlite, a real PostgreSQL, runs as one) and warned about; the embedded demo database itself is not warned about', async () => {
    const handle = await openDatabase(parseConnectionSpec('pglite:memory', 'test'));
    try {
      const snapshot = await probePrivileges(handle.db, handle.adapter, [], 'cw_maint');
      expect(snapshot.elevated).toContain('superuser');
      expect(checkPrivileges(snapshot, [], () => true).warnings).toEqual([expect.stringContaining('the login is superuser: far more than cw-maint needs')]);
      expect((await preflight(handle, JOBS, 'cw_maint')).privileges.warnings).toEqual([]);
    } finally {
      await handle.db.destroy();
    }
  });
});

function allStatuses(config: string): string {
  const jobs = JSON.parse(readFileSync(config, 'utf8')).jobs as Record<string, { companyStatuses?: number[] }>;
  return [...new Set(Object.values(jobs).flatMap((j) => j.companyStatuses ?? []))].join(',') || '1';
}

async function anyCompanyId(tdb: TestDatabase): Promise<string> {
  const row = await tdb.db.selectFrom('dbo.Company').select('Company_ID').orderBy('Company_RecID').executeTakeFirstOrThrow();
  return row.Company_ID;
}
