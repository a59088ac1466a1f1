import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { renderCompiledSql } from '../../src/compiled-sql/render-compiled-sql.js';

/** Statement text without the comment lines (which show the example parameters). */
function statementsOf(text: string): string {
  return text.split('\n').filter((line) => !line.startsWith('--')).join('\n');
}

/** Another parameter set of the same shape (same list lengths), every value different. */
function otherValues(params: Record<string, unknown>): Record<string, unknown> {
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) other[key] = value.map((v) => Number(v) + 40_000);
    else if (typeof value === 'number') other[key] = value === 2 ? 5 : 2;
    else if (typeof value === 'string') other[key] = `${value}-other`;
    else other[key] = value;
  }
  return other;
}

describe('sql/compiled (the T-SQL a DBA reads)', () => {
  for (const job of JOBS) {
    it(`${job.name}.sql matches what the code compiles to (run \`npm run compile-sql\` if not)`, () => {
      const onDisk = readFileSync(new URL(`../../sql/compiled/${job.name}.sql`, import.meta.url), 'utf8');
      expect(onDisk).toBe(renderCompiledSql(job));
    });

    it(`${job.name}: binds every value as a parameter (no RecID, level or Company_ID is spliced into the SQL)`, () => {
      const example = job.example;
      const other = otherValues(example);
      expect(other).not.toEqual(example);
      // The same statements whatever the values: only the bound parameters differ.
      expect(statementsOf(renderCompiledSql(job, other))).toBe(statementsOf(renderCompiledSql(job, example)));
      const shown = renderCompiledSql(job, other);
      for (const value of Object.values(other).flat()) {
        if (typeof value === 'boolean') continue;
        expect(shown, `${job.name}: ${String(value)} among the parameters`).toContain(`: ${JSON.stringify(value)}`);
      }
    });
  }

  it('uses OUTPUT only INTO a table variable (a bare OUTPUT on Contact is SQL Server error 334 with enabled triggers)', () => {
    for (const job of JOBS) {
      const text = renderCompiledSql(job);
      const outputs = text.match(/\bOUTPUT\b[^;]*?(?=\bWHERE\b|\bFROM\b|;)/gi) ?? [];
      expect(outputs.length, `${job.name}: one OUTPUT per layout`).toBeGreaterThan(0);
      for (const clause of outputs) expect(clause, job.name).toMatch(/\bINTO @changed\s*$/);
    }
  });
});
