import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { checkSchema } from '../../src/preflight/schema-check.js';
import { loadLayouts } from '../../src/preflight/schema-contract.js';
import { snapshotFromRows } from '../../src/db/catalog.js';
import { LAYOUTS } from '../../src/db/model/layout.js';
import { atCompaniesMatching, readsWithScriptJoins } from '../../src/vocabulary/contact-filters.js';
import { defineJob } from '../../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes } from '../../src/vocabulary/params.js';
import { jobColumns, requirementsOf, RUNNER_READS } from '../../src/vocabulary/required-columns.js';
import { renderCompiledSql } from '../../src/compiled-sql/render-compiled-sql.js';
import { runCliInProcess } from '../support/cli.js';

/**
 * A job of the test's own, registered with no other edit: it reads Company_Status.Default_Flag,
 * which no shipped job reads. Everything about it must follow from its definition alone.
 */
const NEW_COLUMN = 'dbo.Company_Status.Default_Flag';
const disableAtDefaultStatus = defineJob({
  name: 'test-disable-at-default-status',
  summary: 'Test job: Disable_Flag = 1 for contacts of companies in the default status',
  reproduces: null,
  params: { companyTypes, companyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Disable_Flag', NEW_COLUMN]),
  writes: 'Disable_Flag',
  value: { constant: true },
  target: (eb, p, context) =>
    eb.and([
      atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
      eb(
        'dbo.Contact.Company_RecID',
        'in',
        eb
          .selectFrom('dbo.Company as d')
          .innerJoin('dbo.Company_Status as ds', 'ds.Company_Status_RecID', 'd.Company_Status_RecID')
          .select('d.Company_RecID')
          .where('ds.Default_Flag', '=', true),
      ),
    ]),
  example: { companyTypes: [1], companyStatuses: [1] },
});
const REGISTRY = [...JOBS, disableAtDefaultStatus];

/** ConnectWise column names the compiled SQL mentions, out of every column the contract knows. */
function columnsMentioned(sqlText: string): Set<string> {
  const known = new Set(loadLayouts().flatMap((l) => [...l.columns, ...l.optional].map((c) => c.column)));
  const code = sqlText.split('\n').filter((line) => !line.startsWith('--')).join('\n');
  return new Set([...known].filter((column) => code.includes(`"${column}"`)));
}

describe('one job, one file', () => {
  it('no shipped job reads the new column (so the test job proves something)', () => {
    for (const job of JOBS) for (const layout of LAYOUTS) expect(jobColumns(job, layout)).not.toContain(NEW_COLUMN);
  });

  it('the schema check requires the new column, for the new job only', () => {
    for (const layout of loadLayouts()) {
      const rows = [...layout.columns, ...layout.optional]
        .filter((c) => `${c.table}.${c.column}` !== NEW_COLUMN)
        .map((c) => ({ table_schema: 'dbo', table_name: c.table.slice(4), column_name: c.column, data_type: c.type === 'string' ? 'nvarchar' : c.type, is_nullable: 'YES' }));
      const report = checkSchema(snapshotFromRows(rows), requirementsOf(REGISTRY));
      expect(report.blocked).toEqual({ 'test-disable-at-default-status': [`${NEW_COLUMN} not found`] });
      expect(report.required.find((c) => `${c.table}.${c.column}` === NEW_COLUMN)?.requiredBy).toEqual(['test-disable-at-default-status']);
    }
  });

  it('--help of a job shows its own flags and no other job\'s', async () => {
    const own = await runCliInProcess(['test-disable-at-default-status', '--help'], {}, { jobs: REGISTRY });
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('--types <ids>');
    expect(own.stdout).toContain('--statuses <ids>');
    expect(own.stdout).not.toContain('--level');
    expect(own.stdout).not.toContain('--company');
    const revoke = await runCliInProcess(['revoke-inactive', '--help'], {}, { jobs: REGISTRY });
    expect(revoke.stdout).not.toContain('--level');
    expect(revoke.stdout).not.toContain('--only-unset');
    const company = await runCliInProcess(['set-company-portal', '--help']);
    expect(company.stdout).toContain('--company <Company_ID>');
    expect(company.stdout).not.toContain('--types');
    const top = await runCliInProcess(['--help'], {}, { jobs: REGISTRY });
    expect(top.stdout).toContain('test-disable-at-default-status');
  });

  it('the compiled SQL of every job touches exactly the columns its file declares', () => {
    const audit = loadLayouts()[0]!.optional.map((c) => c.column);
    for (const job of REGISTRY) {
      for (const layout of LAYOUTS) {
        const text = renderCompiledSql(job).split(`layout: ${layout} `)[1]!.split('====================\n-- ====')[0]!;
        // The statements' own columns: the runner's reads, the job's reads and the column it writes
        // (its guards and the parameter checks run other, read-only queries).
        const statementColumns = [...RUNNER_READS, ...job.reads[layout], `dbo.Contact.${job.writes}`];
        expect(jobColumns(job, layout)).toEqual(expect.arrayContaining(statementColumns));
        const declared = new Set([...statementColumns.map((ref) => ref.split('.').at(-1)!), ...audit]);
        expect(columnsMentioned(text), `${job.name} (${layout})`).toEqual(declared);
      }
    }
  });

  it('only the entry point under src/ imports jobs/', () => {
    const importers = sourceFiles('src').filter((file) => /from ['"](\.\.\/)+jobs\//.test(readFileSync(file, 'utf8')) || /import\(['"](\.\.\/)+jobs\//.test(readFileSync(file, 'utf8')));
    expect(importers).toEqual(['src/cli/main.ts']);
  });
});

function sourceFiles(dir: string): string[] {
  const root = new URL('../../', import.meta.url);
  const walk = (rel: string): string[] =>
    readdirSync(new URL(rel, root), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${rel}/${e.name}`) : e.name.endsWith('.ts') ? [`${rel}/${e.name}`] : []));
  return walk(dir);
}
