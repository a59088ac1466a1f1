// --breakdown: one extra, untimed job run per write scenario with --show-sql, whose per-statement
// durations (Kysely's own clock, in the job process) say what takes the time.
import { runCwMaint } from './child.js';
import type { BenchContext } from './context.js';
import type { ShapedData, SizeData } from './data.js';
import { urlFor } from './engine.js';
import { scenarioName } from './scenario-writes.js';

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
      .filter((line) => line.trim() && !line.startsWith('--'))
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

export async function measureBreakdown(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number): Promise<void> {
  const copy = await shaped.fresh();
  try {
    const run = await runCwMaint(['revoke-inactive', '--yes', '--json', '--show-sql', '--config', ctx.config], { CW_DB_URL: urlFor(ctx.engine, copy.database) });
    ctx.notes.add(`Breakdown, ${scenarioName(rate)} at ${size.totalContacts} contacts (one extra run with --show-sql, ${run.ms.toFixed(0)} ms wall): ${summarize(parseShowSql(run.stderr))}.`);
  } finally {
    await copy.dispose();
  }
}
