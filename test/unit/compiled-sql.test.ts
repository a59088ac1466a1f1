import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { renderCompiledSql } from '../../src/runner/compiled-sql.js';

describe('sql/compiled (the T-SQL a DBA reads)', () => {
  for (const job of JOBS) {
    it(`${job.name}.sql matches what the code compiles to (run \`npm run compile-sql\` if not)`, () => {
      const onDisk = readFileSync(new URL(`../../sql/compiled/${job.name}.sql`, import.meta.url), 'utf8');
      expect(onDisk).toBe(renderCompiledSql(job));
    });
  }

  it('binds every value as a parameter: no RecID, level or Company_ID is spliced into the SQL', () => {
    const text = renderCompiledSql(JOBS.find((j) => j.name === 'set-company-portal')!);
    const statements = text.split('\n').filter((line) => !line.startsWith('--'));
    expect(statements.join('\n')).not.toContain('CompanyID');
    expect(statements.join('\n')).toMatch(/"co"\."Company_ID" = @\d/);
  });

  it('never uses an OUTPUT clause on Contact (SQL Server error 334 with enabled triggers)', () => {
    for (const job of JOBS) expect(renderCompiledSql(job).toLowerCase()).not.toMatch(/\boutput\b/);
  });
});
