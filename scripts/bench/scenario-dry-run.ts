// Dry run on the server's clock: the plan's SQL (buildPlan, with the context the runner builds)
// against the raw COUNT(*) with the published script's FROM/WHERE, on one open connection each,
// interleaved on one copy of the shaped data (both only read). One untimed round of each first:
// a new session's first statements pay for catalog and plan caches (seconds on Babelfish), which
// is start-up, not the statement.
import { performance } from 'node:perf_hooks';
import { changeFor } from '../../src/vocabulary/change.js';
import { buildPlan } from '../../src/run/job/plan.js';
import { preflight } from '../../src/preflight/preflight.js';
import { timeOn, type BenchContext } from './context.js';
import { JOURNAL_SCHEMA, type ShapedData, type SizeData } from './data.js';
import { open } from './engine.js';
import { median, type ResultRow } from './results.js';
import { BENCH_PARAMS, type ScriptSql } from './script-sql.js';
import { scenarioName } from './scenario-writes.js';

export async function measureDryRun(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, script: ScriptSql): Promise<ResultRow> {
  const copy = await shaped.fresh();
  const h = await open(ctx.engine, copy.database, 1);
  const rawConn = await open(ctx.engine, copy.database, 1);
  try {
    // As run-job.ts does: the layout and audit columns from the preflight, the change from the job.
    const report = await preflight(h, [ctx.job], JOURNAL_SCHEMA);
    const context = { layout: report.schema.layout!, journalSchema: JOURNAL_SCHEMA, auditColumns: report.schema.auditColumns, catalogContacts: h.adapter.statements.catalogContacts };
    const params = ctx.job.paramsSchema.parse(BENCH_PARAMS) as Record<string, unknown>;
    const change = changeFor(ctx.job, params, context);
    const raw: number[] = [];
    const plan: number[] = [];
    let counted = 0;
    for (let rep = 0; rep <= ctx.options.reps; rep++) {
      const count = await timeOn(rawConn.db, script.count);
      if (rep > 0) raw.push(count.ms);
      counted = count.rows;
      const t0 = performance.now();
      const p = await buildPlan(h.db, ctx.job, params, change, context);
      if (rep > 0) plan.push(performance.now() - t0);
      if (p.matched !== shaped.matched || p.changed !== shaped.toChange) {
        ctx.notes.add(`dry run at ${size.totalContacts} contacts, rate ${rate}: the plan counted ${p.matched} matched / ${p.changed} to change, the shaping ${shaped.matched} / ${shaped.toChange}.`);
      }
    }
    if (counted !== shaped.matched) {
      ctx.notes.add(`The raw COUNT(*) at ${size.totalContacts} contacts returns ${counted} rows, ${shaped.matched} contacts: the published joins count a contact once per matching company type (a company can have both types 1 and 9).`);
    }
    const rawMs = median(raw);
    const jobMs = median(plan);
    return {
      contacts: size.totalContacts,
      scenario: `dry run, plan SQL (${scenarioName(rate)})`,
      matched: shaped.matched,
      toChange: shaped.toChange,
      rawLabel: 'COUNT(*), same FROM/WHERE',
      rawMs,
      jobMs,
      ratio: jobMs / rawMs,
      target: '≤ 1.1× raw',
      met: jobMs <= 1.1 * rawMs,
      roundTrips: '—',
      peakRssMB: null,
      samples: { raw, job: plan },
    };
  } finally {
    await h.db.destroy();
    await rawConn.db.destroy();
    await copy.dispose();
  }
}
