import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { digestOf } from '../../src/run/plan-file/plan-file-format.js';
import { JOBS } from '../../jobs/index.js';
import { AUDIT_COLUMNS } from '../../src/db/model/schema.js';
import { journalAuditColumns } from '../../src/journal/journal-audit.js';
import { applyJournaled } from '../../src/run/job/apply.js';
import { auditedRows } from '../../src/run/plan-file/write-plan.js';
import type { PlannedRow } from '../../src/db/engine/planned-rows.js';
import { changeFor } from '../../src/vocabulary/change.js';
import { runCliInProcess } from '../support/cli.js';
import { dboChecksum, testDatabases, type TestDatabase } from '../support/test-database.js';
import { journalRows, REVOKE, REVOKE_ARGS, runRows, writeConfig } from '../support/run.js';

interface FileRow {
  id: number;
  before: number | null;
  audit: Array<string | null>;
}
const rowsOf = (file: string): FileRow[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as FileRow);

/** The audit columns as the legacy type ConnectWise most likely has, or the modern one, with a fraction a JavaScript Date would not keep. */
async function auditColumnsAs(tdb: TestDatabase, legacy: boolean): Promise<string> {
  const contact = sql.table('dbo.Contact');
  const stamp = sql.ref('Last_Update');
  const stampUtc = sql.ref('Last_Update_UTC');
  if (tdb.adapter.engine === 'postgres') {
    const type = sql.raw(legacy ? 'timestamp(3)' : 'timestamp(6)');
    await sql`ALTER TABLE ${contact} ALTER COLUMN ${stamp} TYPE ${type}, ALTER COLUMN ${stampUtc} TYPE ${type}`.execute(tdb.db);
    const value = legacy ? '2024-03-05 10:11:12.997' : '2024-03-05 10:11:12.123457';
    await sql`UPDATE ${contact} SET ${stamp} = cast(${value} as timestamp), ${stampUtc} = cast(${value} as timestamp)`.execute(tdb.db);
    return value;
  }
  const type = sql.raw(legacy ? 'datetime' : 'datetime2(7)');
  // Babelfish rejects the NULL that SQL Server needs to keep the column nullable.
  const nullable = sql.raw(tdb.engineInfo.flavor === 'babelfish' ? '' : ' NULL');
  await sql`ALTER TABLE ${contact} ALTER COLUMN ${stamp} ${type}${nullable}`.execute(tdb.db);
  await sql`ALTER TABLE ${contact} ALTER COLUMN ${stampUtc} ${type}${nullable}`.execute(tdb.db);
  const value = legacy ? '2024-03-05T10:11:12.997' : '2024-03-05T10:11:12.1234567';
  await sql`UPDATE ${contact} SET ${stamp} = CAST(${sql.lit(value)} AS ${type}), ${stampUtc} = CAST(${sql.lit(value)} AS ${type})`.execute(tdb.db);
  return value;
}

const setContact = (tdb: TestDatabase, id: number, set: Record<string, unknown>) =>
  tdb.db.updateTable('dbo.Contact').set(set as never).where('Contact_RecID', '=', id).execute();

/** Issue 24: the reviewed plan is what gets applied. */
for (const engine of inject('engines')) {
  describe(`saved plans on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);
    const folder = mkdtempSync(join(tmpdir(), 'cwm-plan-'));
    const cli = (tdb: TestDatabase, args: string[]) => runCliInProcess(args, { CW_DB_URL: tdb.url });

    for (const legacy of [true, false]) {
      it(`a plan written in the afternoon, three contacts edited by hand before the evening: every other row applies, the three are listed and left alone (audit columns ${legacy ? 'datetime / timestamp(3)' : 'datetime2 / timestamp(6)'})`, async () => {
        const tdb = await seeded();
        await auditColumnsAs(tdb, legacy);
        // A contact the plan will not hold, which matches again later: counted, never applied.
        const first = join(folder, `${tdb.name}-first.jsonl`);
        expect((await cli(tdb, [...REVOKE_ARGS, '--dry-run', '--out', first])).code).toBe(0);
        const later = rowsOf(first).at(-1)!.id;
        await setContact(tdb, later, { Disable_Flag: true });

        const file = join(folder, `${tdb.name}.jsonl`);
        const written = await cli(tdb, [...REVOKE_ARGS, '--dry-run', '--out', file, '--ticket', 'CHG-24']);
        expect(written.code, written.stderr).toBe(0);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const text = readFileSync(file, 'utf8');
        expect(text).not.toMatch(/First_Name|password|mssql:\/\/|postgres:\/\//i);
        const planned = rowsOf(file);
        expect(planned.length).toBeGreaterThan(10);
        expect(planned.map((r) => r.id)).not.toContain(later);
        // The server's own text: the fraction as stored, never through a Date.
        expect(planned[0]!.audit[0]).toMatch(legacy ? /12\.997(000)?$/ : /12\.123457$/);

        const [value, edited, moved] = planned.map((r) => r.id);
        await setContact(tdb, value!, { Disable_Flag: true });
        await sql`UPDATE ${sql.table('dbo.Contact')} SET ${sql.ref('Last_Update')} = ${sql.ref('Last_Update_UTC')}, ${sql.ref('Updated_By')} = 'tech' WHERE ${sql.ref('Contact_RecID')} = ${edited}`.execute(tdb.db);
        await setContact(tdb, moved!, { Company_RecID: null });
        await setContact(tdb, later, { Disable_Flag: false });
        const before = await dboChecksum(tdb.db);

        // The drift report as the window opens: no lock, no write, not even a run row.
        const runsBefore = (await runRows(tdb)).length;
        const dry = await cli(tdb, ['apply', file, '--dry-run', '--json', '--max-drift', '50']);
        expect(dry.code, dry.stderr).toBe(0);
        const report = JSON.parse(dry.stdout) as { jobs: Array<{ wouldChange: number; planned: number; drifted: Array<{ contactRecId: number; reason: string }>; newlyMatching: number }> };
        const job = report.jobs[0]!;
        expect(job.planned).toBe(planned.length);
        expect(job.wouldChange).toBe(planned.length - 3);
        expect(job.drifted.map((d) => [d.contactRecId, d.reason])).toEqual([
          [value, 'value'],
          [edited, 'edited'],
          [moved, 'target'],
        ]);
        expect(job.newlyMatching).toBe(1);
        expect(await dboChecksum(tdb.db)).toBe(before);
        expect((await runRows(tdb)).length).toBe(runsBefore);

        // A board that wants all or nothing: refused whole (exit 5), nothing changed.
        const strict = await cli(tdb, ['apply', file, '--yes', '--max-drift', '0']);
        expect(strict.code, strict.stderr).toBe(ExitCode.guard);
        expect(strict.stderr).toContain('3 of the');
        expect(await dboChecksum(tdb.db)).toBe(before);

        const applied = await cli(tdb, ['apply', file, '--yes', '--json', '--max-drift', '50']);
        expect(applied.code, applied.stderr).toBe(0);
        const result = (JSON.parse(applied.stdout) as { jobs: Array<{ runId: number; changed: number }> }).jobs[0]!;
        expect(result.changed).toBe(planned.length - 3);
        const journaled = (await journalRows(tdb)).filter((j) => j.run_id === result.runId).map((j) => j.contact_recid);
        expect(journaled.sort((a, b) => a - b)).toEqual(planned.map((r) => r.id).filter((id) => ![value, edited, moved].includes(id)));
        const now = await tdb.db.selectFrom('dbo.Contact').select(['Contact_RecID', 'Disable_Flag']).where('Contact_RecID', 'in', [value!, edited!, moved!, later]).orderBy('Contact_RecID').execute();
        expect(now.map((r) => [r.Contact_RecID, Boolean(r.Disable_Flag)])).toEqual(
          [
            [value, true],
            [edited, false],
            [moved, false],
            [later, false],
          ].sort((a, b) => Number(a[0]) - Number(b[0])),
        );
        const run = (await runRows(tdb)).find((r) => r.run_id === result.runId)!;
        expect(run).toMatchObject({ mode: 'apply', status: 'succeeded', ticket: 'CHG-24', plan_digest: digestOf(readFileSync(file)) });

        // Single use.
        const again = await cli(tdb, ['apply', file, '--yes']);
        expect(again.code).toBe(ExitCode.planRefused);
        expect(again.stderr).toContain(`it was applied already (run ${result.runId} revoke-inactive)`);
      }, 300_000);
    }

    it('plan --out of every configured job: applied in the file\'s order, one run each with the digest; jobs that would change one contact twice write no plan (exit 2); the apply undoes like any run', async () => {
      const tdb = await seeded();
      const both = writeConfig({ maxChanges: 100_000, maxPercent: 100, jobs: { 'revoke-inactive': { companyTypes: [1, 9], companyStatuses: [2, 7] }, 'set-primary-portal': { level: 2, companyTypes: [1], companyStatuses: [1] } } });
      const file = join(folder, `${tdb.name}-all.jsonl`);
      const written = await cli(tdb, ['plan', '--out', file, '--json', '--config', both]);
      expect(written.code, written.stderr).toBe(0);
      const summary = JSON.parse(written.stdout) as { jobs: Array<{ job: string; changed: number }>; plan: { runId: number; rows: number } };
      expect(summary.jobs.map((j) => j.job)).toEqual(['set-primary-portal', 'revoke-inactive']);
      expect(summary.plan.rows).toBe(summary.jobs[0]!.changed + summary.jobs[1]!.changed);
      const applied = await cli(tdb, ['apply', file, '--yes', '--json', '--config', both]);
      expect(applied.code, applied.stderr).toBe(0);
      const runs = (JSON.parse(applied.stdout) as { jobs: Array<{ job: string; runId: number; changed: number }> }).jobs;
      expect(runs.map((r) => [r.job, r.changed])).toEqual(summary.jobs.map((j) => [j.job, j.changed]));
      const digest = digestOf(readFileSync(file));
      expect((await runRows(tdb)).filter((r) => r.plan_digest === digest).map((r) => [r.mode, r.job, r.status])).toEqual([
        ['plan', 'plan', 'succeeded'],
        ['apply', 'set-primary-portal', 'succeeded'],
        ['apply', 'revoke-inactive', 'succeeded'],
      ]);
      const undo = await cli(tdb, ['undo', String(runs[1]!.runId), '--yes', '--config', both]);
      expect(undo.code, undo.stderr).toBe(0);

      const overlapping = writeConfig({ maxChanges: 100_000, maxPercent: 100, jobs: { 'revoke-inactive': { companyTypes: [1, 9], companyStatuses: [2, 7] }, 'revoke-inactive-contacts': { companyTypes: [1, 9] } } });
      const refused = await cli(tdb, ['plan', '--out', join(folder, `${tdb.name}-overlap.jsonl`), '--config', overlapping]);
      expect(refused.code, refused.stderr).toBe(ExitCode.usage);
      expect(refused.stderr).toMatch(/The plan was not written: contact \d+ would be changed by revoke-inactive(-contacts)? and by revoke-inactive(-contacts)?/);
      expect(readdirSync(folder).filter((f) => f.includes('overlap'))).toEqual([]);
    }, 300_000);

    it('planned rows sent as literal VALUES (SQL Server below compatibility level 130) or as one parameter apply the same: an audit value with a quote matches, an edited row is left alone', async () => {
      const tdb = await seeded();
      const job = JOBS.find((j) => j.name === 'revoke-inactive')!;
      const context = { layout: 'many-to-many' as const, journalSchema: 'cw_maint', auditColumns: AUDIT_COLUMNS };
      const change = changeFor(job, REVOKE, context);
      const audit = journalAuditColumns(AUDIT_COLUMNS);
      for (const [runId, inline] of [[424_001, true], [424_002, false]] as const) {
        // The rows as a saved plan reads them: value before, and every audit column as the server renders it.
        const planned = async () => {
          const rows: PlannedRow[] = [];
          for await (const r of auditedRows(tdb.db, tdb.adapter, { job, params: REVOKE, change, context }, audit)) rows.push({ id: r.id, before: r.before, audit: r.audit });
          return rows;
        };
        const ids = (await planned()).slice(0, 4).map((r) => r.id);
        // A stamp that must survive SQL quoting, set before the plan that is applied.
        await tdb.db.updateTable('dbo.Contact').set({ Updated_By: "O'Brien; --" }).where('Contact_RecID', 'in', ids).execute();
        const rows = (await planned()).filter((r) => ids.includes(r.id));
        expect(rows.map((r) => r.audit![2])).toEqual(ids.map(() => "O'Brien; --"));
        // Edited after the plan: only its audit columns change, and it must be left alone.
        await tdb.db.updateTable('dbo.Contact').set({ Updated_By: 'tech' }).where('Contact_RecID', '=', ids[3]!).execute();
        await tdb.db.transaction().execute((trx) =>
          applyJournaled(trx, tdb.adapter, { job, params: REVOKE, change, context, runId, journalSchema: 'cw_maint', auditColumns: AUDIT_COLUMNS, updatedBy: 'cw-maint-test', expectedChanges: 3, planned: { rows, checkAudit: true, inline } }),
        );
        const journaled = (await journalRows(tdb)).filter((j) => j.run_id === runId).map((j) => j.contact_recid).sort((x, y) => x - y);
        expect(journaled, inline ? 'literal VALUES' : 'one parameter').toEqual(ids.slice(0, 3).sort((x, y) => x - y));
      }
    }, 300_000);

    it('refusals, each with its reason (exit 8; a malformed file exit 2), and nothing changed', async () => {
      const tdb = await seeded();
      const other = await seeded();
      const file = join(folder, `${tdb.name}-r.jsonl`);
      expect((await cli(tdb, [...REVOKE_ARGS, '--dry-run', '--out', file])).code).toBe(0);
      const bytes = readFileSync(file, 'utf8');
      const lines = bytes.split('\n');
      const header = JSON.parse(lines[0]!) as Record<string, unknown>;
      const variant = (name: string, change: (h: Record<string, unknown>) => void, rows = lines.slice(1)) => {
        const h = structuredClone(header);
        change(h);
        const path = join(folder, `${tdb.name}-${name}.jsonl`);
        writeFileSync(path, [JSON.stringify(h), ...rows].join('\n'));
        return path;
      };
      const before = await dboChecksum(tdb.db);
      const refused = async (path: string, expected: string, code: number = ExitCode.planRefused, on = tdb, extra: string[] = []) => {
        const r = await cli(on, ['apply', path, '--yes', ...extra]);
        expect(r.code, `${expected}: ${r.stderr}`).toBe(code);
        expect(r.stderr).toContain(expected);
      };
      await refused(file, 'it was made on another database (database: plan', ExitCode.planRefused, other);
      await refused(variant('engine', (h) => (h.engine = engine.engine === 'postgres' ? 'mssql' : 'postgres')), 'it was made on');
      await refused(variant('version', (h) => (h.cwMaint = '0.0.1')), 'it was made by cw-maint 0.0.1');
      await refused(variant('sql', (h) => ((h.jobs as Array<{ sql: string }>)[0]!.sql = 'c'.repeat(64))), 'its target SQL differs from the one planned');
      await refused(variant('contract', (h) => (h.contract = 'd'.repeat(64))), 'the ConnectWise schema contract differs');
      const edited = lines.slice(1);
      // Still valid, and still the same rows to JSON.parse: but not the bytes the database recorded.
      edited[0] = edited[0]!.replace('"after":1', '"after": 1');
      await refused(variant('unrecorded', () => undefined, edited), 'this database never recorded a plan with its digest');
      await refused(variant('format', (h) => (h.cwMaintPlan = 9)), 'format version 9', ExitCode.usage);
      await refused(variant('twice', (h) => ((h.rows as number) += 1, ((h.jobs as Array<{ changed: number }>)[0]!.changed += 1)), [lines[1]!, ...lines.slice(1)]), 'is listed twice', ExitCode.usage);
      // Recorded, and from the future: a plan time ahead of the server's clock.
      const future = variant('future', (h) => (h.plannedAt = engine.engine === 'postgres' ? '2099-01-01T00:00:00.000000' : '2099-01-01T00:00:00.000'));
      await tdb.db.insertInto('cw_maint.run').values({ job: 'revoke-inactive', mode: 'plan', status: 'succeeded', trigger: 'manual', params: '{}', started_at: new Date(), host: 'h', os_user: 'u', plan_digest: digestOf(readFileSync(future)) }).execute();
      await refused(future, 'is in the future');
      await new Promise((r) => setTimeout(r, 1500));
      await refused(file, 'hours old, more than planMaxAgeHours (0.0003)', ExitCode.planRefused, tdb, ['--max-age', '0.0003']);
      // A config that requires a ticket: a plan made without one needs --ticket (exit 2 before connecting).
      const strict = await cli(tdb, ['apply', file, '--yes', '--config', writeConfig({ requireTicket: true })]);
      expect(strict.code, strict.stderr).toBe(ExitCode.usage);
      expect(strict.stderr).toMatch(/ticket/i);
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await runRows(tdb)).filter((r) => r.mode === 'apply')).toEqual([]);
    }, 300_000);
  });
}
