import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {  describe, expect, inject, it } from 'vitest';
import { writeReport, type ReportRow } from '../../src/report/report-file.js';
import { runCliInProcess } from '../support/cli.js';
import { forPostgres } from '../support/original-scripts.js';
import { contactRows, type TestDatabase, testDatabases } from '../support/test-database.js';
import { executeRaw, journalRows, runNamedJob } from '../support/run.js';

const TYPES = [1, 9];

/** The rule of revoke-inactive-contacts, written by hand in the published scripts' shape (the reference side). */
function referenceSql(engine: TestDatabase['engineInfo'], layout: 'legacy' | 'many-to-many', types: number[], statuses?: number[]) {
  const typeJoin =
    layout === 'legacy'
      ? 'INNER JOIN dbo.Company_Type ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID'
      : 'INNER JOIN dbo.Company_Company_Type ON dbo.Company_Company_Type.Company_RecID = dbo.Company.Company_RecID INNER JOIN dbo.Company_Type ON dbo.Company_Company_Type.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID';
  const tsql =
    'UPDATE Contact SET Contact.Disable_Flag = 1 FROM dbo.Contact INNER JOIN dbo.Company ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID ' +
    `INNER JOIN dbo.Company_Status ON dbo.Company.Company_Status_RecID = dbo.Company_Status.Company_Status_RecID ${typeJoin} ` +
    `WHERE ( dbo.Contact.Inactive_Flag = 1 ) AND ( dbo.Company_Type.Company_Type_RecID IN (${types.join(', ')}) )` +
    (statuses ? ` AND ( dbo.Company_Status.Company_Status_RecID IN (${statuses.join(', ')}) )` : '');
  return engine.engine === 'mssql' ? tsql : forPostgres(tsql);
}

for (const engine of inject('engines')) {
  describe(`the change window on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);
    const fresh = (layout: 'legacy' | 'many-to-many', migrate = true) => seeded({ layout, migrate });

    for (const layout of ['legacy', 'many-to-many'] as const) {
      for (const statuses of [undefined, [1, 12]]) {
        it(`revoke-inactive-contacts changes exactly the inactive contacts of the configured types${statuses ? ' and statuses' : ''}, and leaves active ones alone (${layout})`, async () => {
          const [reference, subject] = await Promise.all([fresh(layout, false), fresh(layout)]);
          const before = await contactRows(subject.db);
          await executeRaw(reference, referenceSql(engine, layout, TYPES, statuses));
          const result = await runNamedJob(subject, 'revoke-inactive-contacts', { companyTypes: TYPES, ...(statuses ? { companyStatuses: statuses } : {}) }, 'apply');
          const after = await contactRows(subject.db);
          expect(after).toEqual(await contactRows(reference.db));
          const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]));
          expect(result.changed).toBe(changed.length);
          expect(changed.length).toBeGreaterThan(0);
          expect(changed.every((row) => row.Inactive_Flag === 1 && row.Disable_Flag === 1)).toBe(true);
        });
      }
    }

    it("plan's figures equal each job's own dry run, and it lists the contacts more than one job would change", async () => {
      const tdb = await fresh('many-to-many');
      const dir = mkdtempSync(join(tmpdir(), 'cwm-plan-'));
      const jobs = {
        'set-primary-portal': { level: 6, companyTypes: [1, 9], companyStatuses: [1] },
        'set-billing-portal': { level: 4, companyTypes: [1, 9], companyStatuses: [1], onlyUnset: false },
        'revoke-inactive-contacts': { companyTypes: [1, 9] },
      };
      const config = join(dir, 'cw-maint.config.json');
      writeFileSync(config, JSON.stringify({ jobs }));
      const plan = await runCliInProcess(['plan', '--json', '--config', config, '--report', join(dir, 'plan.jsonl')], { CW_DB_URL: tdb.url });
      // set-primary-portal at 6 and set-billing-portal at 4, both overwriting: they fight over the
      // contacts that are both (issue 21), so plan exits 5 and names them.
      expect(plan.code, plan.stderr).toBe(5);
      const result = JSON.parse(plan.stdout);
      expect(result.fights).toEqual([expect.objectContaining({ jobs: ['set-primary-portal', 'set-billing-portal'], seen: 'effects' })]);
      const planned = new Map<number, string[]>();
      for (const [name, params] of Object.entries(jobs)) {
        const dry = await runNamedJob(tdb, name, params, 'dry-run');
        const fromPlan = result.jobs.find((j: { job: string }) => j.job === name);
        expect(fromPlan.plan).toMatchObject({ matched: dry.plan.matched, changed: dry.plan.changed, unchanged: dry.plan.unchanged });
        const report = join(dir, `${name}.jsonl`);
        expect((await runCliInProcess([name, '--dry-run', '--config', config, '--report', report], { CW_DB_URL: tdb.url })).code).toBe(0);
        for (const line of readFileSync(report, 'utf8').trim().split('\n').slice(1)) {
          const row = JSON.parse(line);
          planned.set(row.contactRecId, [...(planned.get(row.contactRecId) ?? []), name]);
        }
      }
      const shared = [...planned.entries()].filter(([, names]) => names.length > 1);
      expect(shared.length).toBeGreaterThan(0);
      expect(result.overlapCount).toBe(shared.length);
      expect(result.overlaps[0].changes.length).toBeGreaterThan(1);
      expect(result.notes.join(' ')).toContain('set-primary-portal and set-billing-portal both change Portal_Security_Level');
      // The plan's report holds every job's planned rows.
      // The plan's report holds every job's planned rows, after its header line.
      expect(readFileSync(join(dir, 'plan.jsonl'), 'utf8').trim().split('\n')).toHaveLength([...planned.values()].flat().length + 1);
    });

    it('a CSV report round-trips through a CSV parser (commas, quotes, newlines, non-ASCII), and an apply report equals its journal', async () => {
      const tdb = await fresh('legacy');
      const dry = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: TYPES, companyStatuses: [2, 7] }, 'dry-run');
      const names = ['Smith, Jr.', 'O"Hara', 'Line\nBreak', 'Zoë Ñúñez 李'];
      const ids = dry.plan.preview.slice(0, names.length).map((p) => p.contactRecId);
      for (const [i, id] of ids.entries()) await tdb.db.updateTable('dbo.Contact').set({ Last_Name: names[i]! }).where('Contact_RecID', '=', id).execute();
      const dir = mkdtempSync(join(tmpdir(), 'cwm-report-'));
      const file = join(dir, 'tonight.csv');
      const r = await runCliInProcess(['revoke-inactive', '--types', '1,9', '--statuses', '2,7', '--yes', '--report', file], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(0);
      const rows = parse(readFileSync(file, 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
      for (const [i, id] of ids.entries()) expect(rows.find((row) => Number(row.contactRecId) === id)!.lastName).toBe(names[i]);
      const journal = await journalRows(tdb);
      expect(rows.map((row) => [Number(row.contactRecId), row.column, Number(row.oldValue), Number(row.newValue)])).toEqual(
        journal.map((j) => [j.contact_recid, j.column_name, j.old_value ?? Number.NaN, j.new_value]),
      );
      expect(readdirSync(dir).sort()).toEqual(['tonight.csv', 'tonight.csv.meta.json']); // no temporary file left beside it

      // An undo's report: the restored rows (its journal) and the conflicts it left alone.
      const runId = Number(/in run (\d+)/.exec(r.stdout)![1]);
      await tdb.db.updateTable('dbo.Contact').set({ Updated_By: 'technician' }).where('Contact_RecID', '=', ids[0]!).execute();
      const undoFile = join(dir, 'undo.jsonl');
      const u = await runCliInProcess(['undo', String(runId), '--yes', '--report', undoFile], { CW_DB_URL: tdb.url });
      expect(u.code, u.stderr).toBe(0);
      const undoRows = readFileSync(undoFile, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
      expect(undoRows.filter((row) => row.conflict).map((row) => row.contactRecId)).toEqual([ids[0]]);
      const undoRunId = Number(/in run (\d+) \(undo/.exec(u.stdout)![1]);
      const undoJournal = (await journalRows(tdb)).filter((j) => j.run_id === undoRunId);
      expect(undoRows.filter((row) => !row.conflict).map((row) => [row.contactRecId, row.oldValue, row.newValue])).toEqual(
        undoJournal.map((j) => [j.contact_recid, j.old_value, j.new_value]),
      );
    });
  });
}

describe('report files', () => {
  it('are written atomically: a failure part-way leaves no file under the final name, and no temporary one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-atomic-'));
    const path = join(dir, 'report.csv');
    async function* failing(): AsyncGenerator<ReportRow> {
      yield { contactRecId: 1, firstName: 'A', lastName: 'B', companyId: 'C', companyName: 'D', job: 'j', column: 'Disable_Flag', oldValue: 0, newValue: 1 };
      throw new Error('the database went away');
    }
    await expect(writeReport(path, failing())).rejects.toThrow('the database went away');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    const r = await runCliInProcess(['revoke-inactive', '--dry-run', '--types', '1', '--statuses', '2', '--report', join(dir, 'x.txt')], { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must end in .csv, .jsonl or .json');
  });
});
