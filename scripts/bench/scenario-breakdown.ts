// The job's SQL as the job sees it: runs with --show-sql, whose per-statement durations (Kysely's
// own clock, in the job process) give its statement time, its apply transaction's (the statements
// from BEGIN to COMMIT) and, with --breakdown, what takes the time.
import { runCwMaint } from './child.js';
import { timeStatement, type BenchContext } from './context.js';
import type { ShapedData, SizeData } from './data.js';
import { urlFor } from './engine.js';
import { median, type ResultRow } from './results.js';
import { scenarioName } from './scenario-writes.js';
import type { ScriptSql } from './script-sql.js';

export interface StatementTime {
  sql: string;
  ms: number;
}

/** The statements in cw-maint's --show-sql output (`<sql>;` [parameter lines] `-- (N ms)`), in order. */
export function parseShowSql(text: string): StatementTime[] {
  const statements: StatementTime[] = [];
  for (const m of text.matchAll(/([\s\S]*?)-- \((\d+(?:\.\d+)?) ms\)\n/g)) {
    const body = m[1]!
      .split('\n')
      // The job's own log lines (JSON, e.g. a warning) land between statements on the same stderr.
      .filter((line) => line.trim() && !line.startsWith('--') && !line.startsWith('{"'))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    statements.push({ sql: body, ms: Number(m[2]) });
  }
  return statements;
}

/** One line for the notes: statements sent, their total, and the slowest few. */
export function summarize(statements: StatementTime[], top = 4): string {
  const total = statements.reduce((sum, s) => sum + s.ms, 0);
  const slowest = [...statements]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((s) => `${s.ms.toFixed(0)} ms \`${s.sql.length > 70 ? `${s.sql.slice(0, 70)}…` : s.sql}\``);
  return `${statements.length} statements through Kysely, ${total.toFixed(0)} ms in all; slowest: ${slowest.join('; ')}`;
}

const total = (statements: readonly StatementTime[]) => statements.reduce((sum, s) => sum + s.ms, 0);

/**
 * The run's one transaction: its statements from BEGIN to COMMIT, both included. null without one
 * (nothing to change), or where BEGIN is no statement (tedious begins a transaction by a TDS
 * request of its own, which Kysely does not log).
 */
export function transactionOf(statements: readonly StatementTime[]): StatementTime[] | null {
  const begin = statements.findIndex((s) => /^begin\b/i.test(s.sql));
  const commit = statements.findIndex((s, i) => i > begin && /^commit\b/i.test(s.sql));
  return begin < 0 || commit < 0 ? null : statements.slice(begin, commit + 1);
}

/**
 * `reps` job runs with --show-sql, each on its own copy; at steady state interleaved with the raw
 * COUNT with the script's WHERE, timed on a fresh copy as the raw UPDATE is (the job's statements
 * meet a fresh copy too). Returns steady state's "SQL time" row, its target the issue's; the
 * apply's transaction time, and with --breakdown the slowest statements of the median run, go into
 * the notes.
 */
export async function measureStatements(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, script: ScriptSql): Promise<ResultRow[]> {
  const steady = rate <= 0.001;
  const counts: number[] = [];
  const runs: { statements: StatementTime[]; wallMs: number }[] = [];
  for (let rep = 1; rep <= ctx.options.reps; rep++) {
    if (steady) {
      const copy = await shaped.fresh();
      try {
        counts.push((await timeStatement(ctx.engine, copy.database, script.count, script.warmUp)).ms);
      } finally {
        await copy.dispose();
      }
    }
    const copy = await shaped.fresh();
    try {
      const run = await runCwMaint(['revoke-inactive', '--yes', '--json', '--show-sql', '--config', ctx.config], { CW_DB_URL: urlFor(ctx.engine, copy.database) });
      runs.push({ statements: parseShowSql(run.stderr), wallMs: run.ms });
    } finally {
      await copy.dispose();
    }
  }
  const where = `${scenarioName(rate)} at ${size.totalContacts} contacts`;
  const sqlMs = median(runs.map((r) => total(r.statements)));
  const transactions = runs.map((r) => transactionOf(r.statements));
  ctx.notes.add(
    transactions.every((t) => t !== null)
      ? `Apply transaction, ${where}: ${median(transactions.map((t) => total(t!))).toFixed(0)} ms of statement time from BEGIN to COMMIT (${transactions[0]!.length} statements), of ${sqlMs.toFixed(0)} ms in all (medians over ${runs.length} run(s) with --show-sql; the time between statements not counted).`
      : `Apply transaction, ${where}: no BEGIN … COMMIT in the --show-sql output (no transaction, or a driver whose BEGIN is no statement: tedious); ${sqlMs.toFixed(0)} ms of statement time in all (median over ${runs.length} run(s)).`,
  );
  if (ctx.options.breakdown) {
    const mid = [...runs].sort((a, b) => total(a.statements) - total(b.statements))[Math.floor((runs.length - 1) / 2)]!;
    ctx.notes.add(`Breakdown, ${where} (the median of ${runs.length} run(s) with --show-sql, ${mid.wallMs.toFixed(0)} ms wall): ${summarize(mid.statements)}.`);
  }
  if (!steady) return [];
  const rawMs = median(counts);
  return [
    {
      contacts: size.totalContacts,
      scenario: `steady state SQL time (rate ${rate})`,
      matched: shaped.matched,
      toChange: shaped.toChange,
      rawLabel: 'COUNT(*), same FROM/WHERE',
      rawMs,
      jobMs: sqlMs,
      ratio: sqlMs / rawMs,
      target: '≤ 1.3× raw + 50 ms',
      met: sqlMs <= 1.3 * rawMs + 50,
      roundTrips: '—',
      peakRssMB: null,
      samples: { raw: counts, job: runs.map((r) => total(r.statements)) },
    },
  ];
}
