// First run and steady state: the job as a whole process against the published UPDATE on an open
// connection (and, for the first run, the same UPDATE setting the audit columns), each run on its
// own identical copy of the shaped data, interleaved raw, job, raw, job…
import { runCwMaint } from './child.js';
import { MB, timeStatement, type BenchContext } from './context.js';
import { urlFor } from './engine.js';
import type { ShapedData, SizeData } from './data.js';
import { median, type ResultRow } from './results.js';
import type { ScriptSql } from './script-sql.js';

type Side = 'raw' | 'audit' | 'job';

interface JobSample {
  ms: number;
  rssKB: number;
  changed: number;
  statements: number | null;
}

export function scenarioName(rate: number): string {
  return rate >= 1 ? 'first run (rate 1)' : rate <= 0.001 ? `steady state (rate ${rate})` : `rate ${rate}`;
}

/** The targets: first run ≤ 1.5× the raw UPDATE, steady state (0.1% to change) ≤ 0.1×. */
function targetFor(rate: number): { text: string; factor: number | null } {
  if (rate >= 1) return { text: '≤ 1.5× raw', factor: 1.5 };
  if (rate <= 0.001) return { text: '≤ 0.1× raw', factor: 0.1 };
  return { text: '—', factor: null };
}

export async function measureWrites(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, script: ScriptSql): Promise<{ rows: ResultRow[]; peakRssKB: number }> {
  const sides: Side[] = rate >= 1 ? ['raw', 'audit', 'job'] : ['raw', 'job'];
  const raw: Record<'raw' | 'audit', number[]> = { raw: [], audit: [] };
  const job: JobSample[] = [];
  for (let rep = 1; rep <= ctx.options.reps; rep++) {
    for (const side of sides) {
      const copy = await shaped.fresh();
      try {
        if (side === 'job') job.push(await runJob(ctx, copy.database));
        else raw[side].push((await timeStatement(ctx.engine, copy.database, side === 'raw' ? script.update : script.updateWithAudit, script.warmUp)).ms);
      } finally {
        await copy.dispose();
      }
    }
    ctx.progress(`${size.totalContacts} contacts, ${scenarioName(rate)}: rep ${rep}/${ctx.options.reps} done`);
  }
  const changed = job.map((s) => s.changed);
  if (changed.some((c) => c !== shaped.toChange)) ctx.notes.add(`${scenarioName(rate)} at ${size.totalContacts} contacts: the job changed ${changed.join(', ')} rows, the shaping left ${shaped.toChange} to change.`);
  const jobMs = median(job.map((s) => s.ms));
  const peakRssKB = Math.max(...job.map((s) => s.rssKB));
  const target = targetFor(rate);
  const row = (rawLabel: string, rawMs: number, t: { text: string; factor: number | null }): ResultRow => ({
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
    peakRssMB: (peakRssKB * 1024) / MB,
    samples: { raw: rawLabel.includes('audit') ? raw.audit : raw.raw, job: job.map((s) => s.ms) },
  });
  const rows = [row('seed UPDATE', median(raw.raw), target)];
  if (rate >= 1) rows.push(row('seed UPDATE + audit columns', median(raw.audit), { text: '— (reported)', factor: null }));
  return { rows, peakRssKB };
}

/** ≤ 12 statements plus one per batch of `batchSize` changed rows; "n/a" while --json lacks `statements`. */
export function roundTrips(samples: ReadonlyArray<{ statements: number | null }>, changed: number, batchSize: number): string {
  const allowed = 12 + Math.ceil(changed / batchSize);
  const seen = samples.map((s) => s.statements).filter((s): s is number => s !== null);
  if (!seen.length) return `n/a (allowed ${allowed})`;
  const used = Math.max(...seen);
  return `${used} of ≤ ${allowed}: ${used <= allowed ? 'yes' : 'NO'}`;
}

async function runJob(ctx: BenchContext, database: string): Promise<JobSample> {
  const run = await runCwMaint(['revoke-inactive', '--yes', '--json', '--config', ctx.config], { CW_DB_URL: urlFor(ctx.engine, database) });
  const out = JSON.parse(run.stdout) as { changed?: number; statements?: number };
  return { ms: run.ms, rssKB: run.rssKB, changed: Number(out.changed), statements: typeof out.statements === 'number' ? out.statements : null };
}
