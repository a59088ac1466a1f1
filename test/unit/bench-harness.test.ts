import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { LOCAL_POSTGRES, parseBenchArgs } from '../../scripts/bench/args.js';
import { FINDINGS_HEADING, markdownSection, median, regenerateResults, type BenchReport } from '../../scripts/bench/results.js';
import { parseShowSql, summarize } from '../../scripts/bench/scenario-breakdown.js';
import { roundTrips } from '../../scripts/bench/scenario-writes.js';
import { deriveFromUpdate, rowsToChange, scriptSql } from '../../scripts/bench/script-sql.js';

function parse(argv: string[], env: Record<string, string> = {}) {
  const errors: string[] = [];
  try {
    return { options: parseBenchArgs(argv, env, (t) => errors.push(t)), errors };
  } catch (error) {
    return { error: error as CommanderError, errors };
  }
}

describe('npm run bench: arguments', () => {
  it('defaults to 100k and 1M contacts, rates 0.001 and 1, 5 reps, and says where the URL came from', () => {
    const { options } = parse([]);
    expect(options).toMatchObject({ contacts: [100_000, 1_000_000], changeRates: [0.001, 1], reps: 5, out: 'bench/RESULTS.md', url: LOCAL_POSTGRES, reportRss: false, batchSize: 4000 });
    expect(parse([], { PG_TEST_URL: 'postgres://a@h/p' }).options).toMatchObject({ url: 'postgres://a@h/p', urlSource: 'PG_TEST_URL' });
    expect(parse([], { PG_TEST_URL: 'postgres://a@h/p', BENCH_URL: 'mssql://b@h/m' }).options).toMatchObject({ url: 'mssql://b@h/m', urlSource: 'BENCH_URL' });
    expect(parse(['--url', 'postgres://c@h/p'], { BENCH_URL: 'mssql://b@h/m' }).options).toMatchObject({ url: 'postgres://c@h/p', urlSource: '--url' });
  });

  it('reads lists and flags', () => {
    const { options } = parse(['--contacts', '10000, 20000', '--change-rate', '0,0.5,1', '--reps', '1', '--json', 'r.json', '--report-rss']);
    expect(options).toMatchObject({ contacts: [10_000, 20_000], changeRates: [0, 0.5, 1], reps: 1, json: 'r.json', reportRss: true });
  });

  it.each([
    [['--contacts', '10k']],
    [['--contacts', '1000,,2000']],
    [['--contacts', '3']],
    [['--change-rate', '1.5']],
    [['--change-rate', 'abc']],
    [['--reps', '0']],
    [['--nope']],
    [['stray']],
  ])('refuses %j with one line and a non-zero exit code', (argv) => {
    const { error, errors } = parse(argv);
    expect(error).toBeInstanceOf(CommanderError);
    expect(error!.exitCode).not.toBe(0);
    expect(errors.join('').trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run bench: SQL from the published script', () => {
  const audit = [['Last_Update', 'GETDATE()'], ['Updated_By', "'cw-maint'"]] as const;

  it('T-SQL: count, ids and the audited UPDATE keep the script FROM/WHERE', () => {
    const s = scriptSql({ engine: 'mssql' }, audit);
    const from = s.update.slice(s.update.indexOf(' FROM ') + 6);
    expect(from).toContain('dbo.Company_Company_Type');
    expect(s.count).toBe(`SELECT COUNT(*) AS n FROM ${from}`);
    expect(s.matchedIds).toBe(`SELECT DISTINCT Contact.Contact_RecID AS id FROM ${from}`);
    expect(s.updateWithAudit).toBe(`UPDATE Contact SET Contact.Disable_Flag = 1, Contact.Last_Update = GETDATE(), Contact.Updated_By = 'cw-maint' FROM ${from}`);
  });

  it('PostgreSQL: the same, from its semi-join form', () => {
    const s = scriptSql({ engine: 'postgres' }, audit);
    const where = s.update.slice(s.update.indexOf(' WHERE ') + 7);
    expect(s.count).toBe(`SELECT COUNT(*) AS n FROM "dbo"."Contact" WHERE ${where}`);
    expect(s.updateWithAudit).toBe(`UPDATE "dbo"."Contact" SET "Disable_Flag" = true, "Last_Update" = GETDATE(), "Updated_By" = 'cw-maint' WHERE ${where}`);
    expect(s.warmUp).toBe(`${s.count} AND 1 = 0`);
  });

  it('refuses a script of another shape', () => {
    expect(() => deriveFromUpdate('DELETE FROM dbo.Contact', [])).toThrow(/expected shape/);
  });

  it('rows to change: round(rate × all contacts), capped at the matched rows; rate 1 is every matched row', () => {
    expect(rowsToChange(0.001, 1_000_000, 285_000)).toBe(1000);
    expect(rowsToChange(0.0015, 999, 285)).toBe(1);
    expect(rowsToChange(0.5, 1000, 200)).toBe(200);
    expect(rowsToChange(1, 1000, 285)).toBe(285);
    expect(rowsToChange(0, 1000, 285)).toBe(0);
  });
});

describe('npm run bench: results', () => {
  const report = (engine: string, ms: number): BenchReport => ({
    engine,
    engineDetail: 'test',
    date: '2026-01-01T00:00:00Z',
    machine: { cores: 2, cpu: 'cpu', memoryGB: 8, node: 'v20', platform: 'linux' },
    reps: 5,
    rows: [{ contacts: 1000, scenario: 'first run (rate 1)', matched: 10, toChange: 10, rawLabel: 'seed UPDATE', rawMs: 100, jobMs: ms, ratio: ms / 100, target: '≤ 1.5× raw', met: ms <= 150, roundTrips: 'n/a', peakRssMB: 80 }],
    notes: [],
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('regenerates one engine section, keeps the others and the hand-written Findings', () => {
    const first = regenerateResults(undefined, markdownSection(report('PostgreSQL', 120)));
    expect(first).toContain(FINDINGS_HEADING);
    const findings = `${FINDINGS_HEADING}\n\nThe journal INSERT takes 3.5 s.\n\n### Sub-heading\n\n## Not a results heading\nkept\n`;
    const edited = first.slice(0, first.indexOf(FINDINGS_HEADING)) + findings;
    const withBabelfish = regenerateResults(edited, markdownSection(report('Babelfish', 900)));
    const again = regenerateResults(withBabelfish, markdownSection(report('PostgreSQL', 200)));
    expect(again.endsWith(findings)).toBe(true);
    expect(again.match(/^## Results: PostgreSQL$/gm)).toHaveLength(1);
    expect(again).toContain('## Results: Babelfish');
    expect(again).toContain('| 200.0 |');
    expect(again).not.toContain('| 120.0 |');
    expect(again).toContain('| 900.0 |');
  });

  it('round trips: n/a without a statements field, else used against 12 plus one per batch', () => {
    expect(roundTrips([{ statements: null }], 10_000, 4000)).toBe('n/a (allowed 15)');
    expect(roundTrips([{ statements: 9 }, { statements: 15 }], 10_000, 4000)).toBe('15 of ≤ 15: yes');
    expect(roundTrips([{ statements: 14 }], 0, 4000)).toBe('14 of ≤ 12: NO');
  });
});

describe('npm run bench: --breakdown', () => {
  it('reads the statements and durations of --show-sql output, parameters left out', () => {
    const text = 'SELECT 1 AS ok;\n-- (1.5 ms)\nupdate "dbo"."Contact"\n  set x = $1;\n--   1: true\n-- FAILED: boom\n-- (20 ms)\n';
    const statements = parseShowSql(text);
    expect(statements).toEqual([
      { sql: 'SELECT 1 AS ok;', ms: 1.5 },
      { sql: 'update "dbo"."Contact" set x = $1;', ms: 20 },
    ]);
    expect(summarize(statements, 1)).toBe('2 statements through Kysely, 22 ms in all; slowest: 20 ms `update "dbo"."Contact" set x = $1;`');
  });
});
