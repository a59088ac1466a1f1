// First run and steady state: the job as a whole process against the published UPDATE on an open
// connection (and, for the first run, the same UPDATE setting the audit columns, and the physical
// limit of a journaled apply with and without a journal foreign key), and the apply of a saved
// plan with nothing drifted, each run on its own identical copy of the shaped data, interleaved
// raw, job, raw, job…
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCwMaint } from './child.js';
import { MB, timeStatement, type BenchContext } from './context.js';
import { urlFor } from './engine.js';
import type { ShapedData, SizeData } from './data.js';
import { createBenchJournal } from './journal.js';
import { median, type ResultRow } from './results.js';
import type { ScriptSql } from './script-sql.js';

type RawSide = 'raw' | 'audit' | 'limitFk' | 'limitNoFk';
type Side = RawSide | 'job' | 'planFile';

interface JobSample {
  ms: number;
  rssKB: number;
  changed: number;
  statements: number | null;
}

export function scenarioName(rate: number): string {
  return rate >= 1 ? 'first run (rate 1)' : rate <= 0.001 ? `steady state (rate ${rate})` : `rate ${rate}`;
}

/** The targets: first run ≤ 1.5× the raw UPDATE, steady state (0.1% to change) ≤ 0.3×. */
function targetFor(rate: number): { text: string; factor: number | null } {
  if (rate >= 1) return { text: '≤ 1.5× raw', factor: 1.5 };
  if (rate <= 0.001) return { text: '≤ 0.3× raw', factor: 0.3 };
  return { text: '—', factor: null };
}

/** The first run against the physical limit whose journal has no foreign key, as cw-maint's since migration 008. */
const LIMIT_TARGET = { text: '≤ 1.15× raw (the limit without FK)', factor: 1.15 };
/** A saved plan's apply, nothing drifted, against the raw seed UPDATE. */
const PLAN_FILE_TARGET = { text: '≤ 1.5× raw', factor: 1.5 };
const REPORTED = { text: '— (reported)', factor: null };

export async function measureWrites(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, script: ScriptSql): Promise<{ rows: ResultRow[]; peakRssKB: number }> {
  // Babelfish rejects the limit's T-SQL (OUTPUT deleted.* with the target joined in FROM, as the
  // published script's joins put it), which SQL Server runs: no limit rows there.
  const limits: Side[] = ctx.engine.heading === 'Babelfish' ? [] : ['limitFk', 'limitNoFk'];
  if (!limits.length && rate >= 1) ctx.notes.add('Babelfish: no physical-limit rows (it rejects OUTPUT deleted.* when the UPDATE\'s target is joined in FROM, as the published script joins it; SQL Server runs it).');
  const sides: Side[] = rate >= 1 ? ['raw', 'audit', ...limits, 'job', 'planFile'] : ['raw', 'job', 'planFile'];
  const raw: Record<RawSide, number[]> = { raw: [], audit: [], limitFk: [], limitNoFk: [] };
  const jobs: Record<'job' | 'planFile', JobSample[]> = { job: [], planFile: [] };
  const statement: Record<RawSide, string> = { raw: script.update, audit: script.updateWithAudit, limitFk: script.journaledUpdate, limitNoFk: script.journaledUpdate };
  for (let rep = 1; rep <= ctx.options.reps; rep++) {
    for (const side of sides) {
      const copy = await shaped.fresh();
      // Set up on the copy before the clock starts, undone after it (one database on SQL Server).
      const undo = side === 'limitFk' || side === 'limitNoFk' ? await createBenchJournal(ctx.engine, copy.database, side === 'limitFk') : async () => undefined;
      try {
        if (side === 'job') jobs.job.push(await runJob(ctx, copy.database));
        else if (side === 'planFile') jobs.planFile.push(await runPlanFile(ctx, copy.database));
        else raw[side].push((await timeStatement(ctx.engine, copy.database, statement[side], script.warmUp)).ms);
      } finally {
        await undo();
        await copy.dispose();
      }
    }
    ctx.progress(`${size.totalContacts} contacts, ${scenarioName(rate)}: rep ${rep}/${ctx.options.reps} done`);
  }
  const job = jobs.job;
  const changed = [...job, ...jobs.planFile].map((s) => s.changed);
  if (changed.some((c) => c !== shaped.toChange)) ctx.notes.add(`${scenarioName(rate)} at ${size.totalContacts} contacts: the job changed ${changed.join(', ')} rows, the shaping left ${shaped.toChange} to change.`);
  const jobMs = median(job.map((s) => s.ms));
  const peakRssKB = Math.max(...[...job, ...jobs.planFile].map((s) => s.rssKB));
  const row = (rawLabel: string, side: RawSide, t: { text: string; factor: number | null }): ResultRow => {
    const rawMs = median(raw[side]);
    return {
      contacts: size.totalContacts,
      scenario: scenarioName(rate),
      matched: shaped.matched,
      toChange: shaped.toChange,
      rawLabel,
      rawMs,
      jobMs,
      ratio: jobMs / rawMs,
      target: t.text,
      met: t.factor === null ? null : jobMs <= t.factor * rawMs,
      roundTrips: roundTrips(job, shaped.toChange, ctx.options.batchSize),
      peakRssMB: (Math.max(...job.map((s) => s.rssKB)) * 1024) / MB,
      samples: { raw: raw[side], job: job.map((s) => s.ms) },
    };
  };
  const rows = [row('seed UPDATE', 'raw', targetFor(rate))];
  if (rate >= 1) {
    rows.push(
      row('seed UPDATE + audit columns', 'audit', REPORTED),
      ...(limits.length ? [row('physical limit, journal with FK', 'limitFk', REPORTED), row('physical limit, journal without FK', 'limitNoFk', LIMIT_TARGET)] : []),
    );
  }
  rows.push(planFileRow(ctx, size, shaped, rate, median(raw.raw), jobs.planFile));
  return { rows, peakRssKB };
}

/** `apply FILE --yes` of a plan written on the copy before the clock started (nothing drifted), against the raw seed UPDATE. */
function planFileRow(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, rawMs: number, samples: JobSample[]): ResultRow {
  const jobMs = median(samples.map((s) => s.ms));
  return {
    contacts: size.totalContacts,
    scenario: `${scenarioName(rate)}, apply of a saved plan`,
    matched: shaped.matched,
    toChange: shaped.toChange,
    rawLabel: 'seed UPDATE',
    rawMs,
    jobMs,
    ratio: jobMs / rawMs,
    target: PLAN_FILE_TARGET.text,
    met: jobMs <= PLAN_FILE_TARGET.factor * rawMs,
    roundTrips: '—',
    peakRssMB: (Math.max(...samples.map((s) => s.rssKB)) * 1024) / MB,
    samples: { raw: [rawMs], job: samples.map((s) => s.ms) },
  };
}

/** ≤ 12 statements plus one per batch of `batchSize` changed rows; "n/a" while --json lacks `statements`. */
export function roundTrips(samples: ReadonlyArray<{ statements: number | null }>, changed: number, batchSize: number): string {
  const allowed = 12 + Math.ceil(changed / batchSize);
  const seen = samples.map((s) => s.statements).filter((s): s is number => s !== null);
  if (!seen.length) return `n/a (allowed ${allowed})`;
  const used = Math.max(...seen);
  return `${used} of ≤ ${allowed}: ${used <= allowed ? 'yes' : 'NO'}`;
}

/** Writes the plan (not timed), then applies it as a whole process: the time and peak RSS of `apply FILE`. */
async function runPlanFile(ctx: BenchContext, database: string): Promise<JobSample> {
  const file = join(mkdtempSync(join(tmpdir(), 'cwm-bench-plan-')), 'plan.jsonl');
  const env = { CW_DB_URL: urlFor(ctx.engine, database) };
  try {
    // A non-zero exit is an error (runNode).
    await runCwMaint(['revoke-inactive', '--dry-run', '--out', file, '--config', ctx.config], env);
    const run = await runCwMaint(['apply', file, '--yes', '--json', '--max-drift', '0', '--config', ctx.config], env);
    const out = JSON.parse(run.stdout) as { jobs?: Array<{ changed?: number }> };
    return { ms: run.ms, rssKB: run.rssKB, changed: Number(out.jobs?.[0]?.changed), statements: null };
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

async function runJob(ctx: BenchContext, database: string): Promise<JobSample> {
  const run = await runCwMaint(['revoke-inactive', '--yes', '--json', '--config', ctx.config], { CW_DB_URL: urlFor(ctx.engine, database) });
  const out = JSON.parse(run.stdout) as { changed?: number; statements?: number };
  return { ms: run.ms, rssKB: run.rssKB, changed: Number(out.changed), statements: typeof out.statements === 'number' ? out.statements : null };
}
