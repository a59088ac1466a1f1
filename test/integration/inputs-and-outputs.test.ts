import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { withRunLock } from '../../src/run/pipeline/run-lock.js';
import { runCliInProcess } from '../support/cli.js';
import { dboChecksum, testDatabases } from '../support/test-database.js';
import { gate, REVOKE, REVOKE_ARGS, runNamedJob, runRows, writeConfig } from '../support/run.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Issue 22's cases that need a database: checked right after connecting, and outputs read back. */
for (const engine of inject('engines')) {
  describe(`inputs and outputs on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine);

    it('--allow-status 999 (no such status) is exit 2 after connecting, listing the valid RecIDs; nothing changed, no run applied', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const r = await runCliInProcess([...REVOKE_ARGS, '--yes', '--allow-status', '2,999'], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('allowStatuses (--allow-status): 999 not found in dbo.Company_Status. Valid: 1 = ');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await runRows(tdb)).map((run) => run.status)).toEqual(['refused']);
    });

    it('a Company_ID is matched as the server matches it: a leading space never matches; a trailing one as the server says', async () => {
      const tdb = await fresh();
      const { Company_ID: id } = await tdb.db.selectFrom('dbo.Company').select('Company_ID').orderBy('Company_RecID').executeTakeFirstOrThrow();
      const run = (company: string) => runCliInProcess(['set-company-portal', '--level', '3', '--company', company, '--dry-run'], { CW_DB_URL: tdb.url });
      const leading = await run(` ${id}`);
      expect(leading.code, leading.stderr).toBe(2);
      expect(leading.stderr).toContain(`companyId: " ${id}" not found in dbo.Company.Company_ID. Nearest: ${id} (`);
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table('dbo.Company')} WHERE ${sql.ref('Company_ID')} = ${`${id} `}`.execute(tdb.db);
      expect((await run(`${id} `)).code).toBe(Number(rows[0]!.n) > 0 ? 0 : 2);
    });

    it('show of a dry run says what a dry run is; its counts are labelled "would change"', async () => {
      const tdb = await fresh();
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const r = await runCliInProcess(['show', String(dry.runId)], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`matched / would change / unchanged`);
      expect(r.stdout).toContain(`A dry run: it changed nothing and journaled no rows (it found ${dry.plan.changed} rows that an apply would change).`);
      expect(r.stdout).not.toContain('journaled rows)');
    });

    it('the lock message names a running undo as an undo', async () => {
      const tdb = await fresh();
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      const { run_id: undoRunId } = await tdb.db
        .insertInto('cw_maint.run')
        .values({ job: 'revoke-inactive', mode: 'undo', status: 'running', trigger: 'manual', params: '{}', started_at: new Date(), host: 'h', os_user: 'u', undo_of_run_id: applied.runId })
        .returning('run_id')
        .executeTakeFirstOrThrow()
        .catch(async () => ({ run_id: Number((await runRows(tdb)).at(-1)!.run_id) }));
      await withRunLock(tdb, 'cw_maint', async () => {
        const r = await runCliInProcess([...REVOKE_ARGS, '--yes'], { CW_DB_URL: tdb.url });
        // Babelfish answers a held lock with -999 (exit 1); see the README.
        if (engine.flavor === 'babelfish') return expect(r.code).toBe(1);
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toContain(`An undo is running: run ${undoRunId} (undo of run ${applied.runId}, revoke-inactive) started `);
        expect(r.stderr).not.toContain('Another apply');
      });
    });

    it("an apply with --report: the config file's path and SHA-256 on the run row; the report's SHA-256 printed, its header and sidecar name the run; mode 600", async () => {
      const tdb = await fresh();
      const config = writeConfig({ ticket: 'CHG-22', jobs: { 'revoke-inactive': REVOKE } });
      const dir = mkdtempSync(join(tmpdir(), 'cwm-io-'));
      const file = join(dir, 'tonight.csv');
      const r = await runCliInProcess(['revoke-inactive', '--yes', '--json', '--config', config, '--report', file], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      const [run] = await runRows(tdb);
      expect(run).toMatchObject({ config_path: config, config_sha256: sha256(config), ticket: 'CHG-22' });
      expect(json).toMatchObject({ outcome: 'succeeded', runId: run!.run_id, report: { path: file, sha256: sha256(file), rows: json.changed } });
      expect(r.stderr).toContain(`Report: ${json.changed} rows written to ${file} (SHA-256 ${sha256(file)})`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const meta = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8'));
      expect(meta).toMatchObject({ runId: run!.run_id, job: 'revoke-inactive', mode: 'apply', database: tdb.name, ticket: 'CHG-22', sha256: sha256(file), rows: json.changed });
      expect(Date.parse(meta.generatedAt)).toBeGreaterThan(Date.now() - 600_000);
      // A second run to the same name is refused before it starts; --force replaces it.
      expect((await runCliInProcess(['revoke-inactive', '--yes', '--config', config, '--report', file], { CW_DB_URL: tdb.url })).code).toBe(2);
      expect((await runCliInProcess(['revoke-inactive', '--dry-run', '--force', '--config', config, '--report', file], { CW_DB_URL: tdb.url })).code).toBe(0);
    });

    it('--json: a refused apply has its outcome and reason, and matched = changed + unchanged; a failed apply (lock timeout) prints one object too', async () => {
      const tdb = await fresh();
      const refused = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', '--max-changes', '1'], { CW_DB_URL: tdb.url });
      expect(refused.code).toBe(5);
      const report = JSON.parse(refused.stdout);
      expect(report).toMatchObject({ mode: 'apply', outcome: 'refused', changed: 0, reason: expect.stringContaining('refused by a safety guard'), problems: [expect.stringContaining('more than maxChanges (1)')] });
      expect(report.matched).toBe(report.changed + report.unchanged);
      expect(report.planned).toBeGreaterThan(1);

      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const victim = dry.plan.preview[0]!.contactRecId;
      const held = gate();
      const release = gate();
      const holder = tdb.db.transaction().execute(async (trx) => {
        await trx.updateTable('dbo.Contact').set({ First_Name: 'Editing' }).where('Contact_RecID', '=', victim).execute();
        held.open();
        await release.opened;
      });
      await held.opened;
      const config = writeConfig({ lockTimeoutSeconds: 1 });
      const failed = await runCliInProcess([...REVOKE_ARGS, '--yes', '--json', '--config', config], { CW_DB_URL: tdb.url }).finally(() => release.open());
      await holder;
      expect(failed.code, failed.stderr).toBe(1);
      const lines = failed.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ job: 'revoke-inactive', mode: 'apply', outcome: 'failed', exitCode: 1, reason: expect.stringContaining('lock timeout') });
    });

    it('control characters in data and flags are escaped in text outputs (show, history), and kept exact in --json', async () => {
      const tdb = await fresh();
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const victim = dry.plan.preview[0]!.contactRecId;
      const name = 'Evil\tName\n\x1b[31mforged\u202E';
      await tdb.db.updateTable('dbo.Contact').set({ Last_Name: name }).where('Contact_RecID', '=', victim).execute();
      const ticket = 'CHG-1\nrun 999: forged line \x1b[2J';
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--ticket', ticket], { CW_DB_URL: tdb.url });
      expect(applied.code, applied.stderr).toBe(0);
      const runId = Number(/in run (\d+)/.exec(applied.stdout)![1]);
      const show = await runCliInProcess(['show', String(runId)], { CW_DB_URL: tdb.url });
      const line = show.stdout.split('\n').find((l) => l.startsWith(`${victim}\t`))!;
      expect(line.split('\t')).toHaveLength(7);
      expect(line).toContain('Evil\\tName\\n\\x1B[31mforged\\u202E');
      expect(show.stdout).toContain('CHG-1\\nrun 999: forged line \\x1B[2J');
      const history = await runCliInProcess(['history'], { CW_DB_URL: tdb.url });
      expect(history.stdout).not.toMatch(/^run 999/m);
      expect(history.stdout).not.toContain('\x1b');
      const json = await runCliInProcess(['history', '--json'], { CW_DB_URL: tdb.url });
      expect(JSON.parse(json.stdout)[0].ticket).toBe(ticket);
    });

    it("--json's statements are the README's: a dry run, a first apply, and an apply that finds nothing to change, with and without a status guard", async () => {
      const tdb = await fresh();
      const config = writeConfig({ batchSize: 10, maxChanges: 100_000, maxPercent: 100 });
      const sent = async (args: string[]) => {
        const r = await runCliInProcess([...args, '--json', '--config', config], { CW_DB_URL: tdb.url });
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as { statements: number; changed: number };
      };
      const contacts = ['revoke-inactive-contacts', '--types', '1,9'];
      // SQL Server's preflight reads the compatibility level; Babelfish reports 120, below OPENJSON's 130, so a probe of OPENJSON follows.
      const form = engine.engine === 'postgres' ? 0 : engine.flavor === 'babelfish' ? 2 : 1;
      for (const [args, guard] of [[REVOKE_ARGS, 1], [contacts, 0]] as const) {
        expect((await sent([...args, '--dry-run'])).statements).toBe(6 + form + guard);
        const first = await sent([...args, '--yes']);
        expect(first.changed).toBeGreaterThan(0);
        // SQL Server: one statement per batch of 10 planned rows.
        const batches = engine.engine === 'postgres' ? 0 : Math.ceil(first.changed / 10);
        expect(first.statements).toBe(engine.engine === 'postgres' ? 14 + guard : 11 + form + guard + batches);
        expect((await sent([...args, '--yes'])).statements).toBe((engine.engine === 'postgres' ? 12 : 10 + form) + guard);
      }
    });

    it('lookup types and levels show both company and contact counts; init on an empty status table says why the portal jobs were left out', async () => {
      const tdb = await fresh();
      const types = await runCliInProcess(['lookup', 'types', '--json'], { CW_DB_URL: tdb.url });
      const typeRows = JSON.parse(types.stdout);
      expect(typeRows.every((t: Record<string, unknown>) => typeof t.companies === 'number' && typeof t.contacts === 'number')).toBe(true);
      expect(typeRows.some((t: { contacts: number }) => t.contacts > 0)).toBe(true);
      const levels = await runCliInProcess(['lookup', 'levels'], { CW_DB_URL: tdb.url });
      expect(levels.stdout.split('\n')[0]).toMatch(/^level\s+name\s+companies\s+contacts$/);
      const { rows } = await sql<{ n: number }>`SELECT count(DISTINCT ${sql.ref('Company_RecID')}) AS n FROM ${sql.table('dbo.Contact')} WHERE ${sql.ref('Portal_Security_Level')} = 0`.execute(tdb.db);
      const zero = JSON.parse((await runCliInProcess(['lookup', 'levels', '--json'], { CW_DB_URL: tdb.url })).stdout).levels.find((l: { level: number }) => l.level === 0);
      expect(zero.companies).toBe(Number(rows[0]!.n));

      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: null }).execute();
      await tdb.db.deleteFrom('dbo.Company_Status').execute();
      const file = join(mkdtempSync(join(tmpdir(), 'cwm-init-')), 'cw.json');
      const init = await runCliInProcess(['init', '--config', file], { CW_DB_URL: tdb.url });
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain('dbo.Company_Status is empty: no status can be proposed, so the portal jobs (set-primary-portal, set-billing-portal) and revoke-inactive are left out');
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).jobs)).toEqual(['revoke-inactive-contacts']);
    });
  });
}
