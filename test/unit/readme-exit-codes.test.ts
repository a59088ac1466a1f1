import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';

describe("the README's exit code table", () => {
  it('has a row for every exit code cw-maint returns, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('### Exit codes'));
    const rows = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])).filter((code) => code < 100);
    expect(rows).toEqual([...new Set(Object.values(ExitCode))].sort((a, b) => a - b));
  });
});
