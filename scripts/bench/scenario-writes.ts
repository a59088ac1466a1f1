// First run and steady state: the job as a whole process against the published UPDATE on an open
// connection (and, for the first run, the same UPDATE setting the audit columns, the physical
// limit of a journaled apply with and without the journal's foreign key, and the job with its
// journal's foreign key dropped), each run on its own identical copy of the shaped data,
// interleaved raw, job, raw, job…
import { runCwMaint } from './child.js';
import { MB, timeStatement, type BenchContext } from './context.js';
import { urlFor } from './engine.js';
import type { ShapedData, SizeData } from './data.js';
import { createBenchJournal, dropJournalFk } from './journal.js';
import { median, type ResultRow } from './results.js';
import type { ScriptSql } from './script-sql.js';

type RawSide = 'raw' | 'audit' | 'limitFk' | 'limitNoFk';
type Side = RawSide | 'job' | 'jobNoFk';

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

/** The first run against the physical limit whose journal has the foreign key, as cw-maint's has today. */
const LIMIT_TARGET = { text: '≤ 1.15× raw (the limit with FK)', factor: 1.15 };
const REPORTED = { text: '— (reported)', factor: null };

export async function measureWrites(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, script: ScriptSql): Promise<{ rows: ResultRow[]; peakRssKB: number }> {
  const sides: Side[] = rate >= 1 ? ['raw', 'audit', 'limitFk', 'limitNoFk', 'job', 'jobNoFk'] : ['raw', 'job'];
  const raw: Record<RawSide, number[]> = { raw: [], audit: [], limitFk: [], limitNoFk: [] };
  const jobs: Record<'job' | 'jobNoFk', JobSample[]> = { job: [], jobNoFk: [] };
  const statement: Record<RawSide, string> = { raw: script.update, audit: script.updateWithAudit, limitFk: script.journaledUpdate, limitNoFk: script.journaledUpdate };
  for (let rep = 1; rep <= ctx.options.reps; rep++) {
    for (const side of sides) {
      const copy = await shaped.fresh();
      // Set up on the copy before the clock starts, undone after it (one database on SQL Server).
      const undo =
        side === 'limitFk' || side === 'limitNoFk'
          ? await createBenchJournal(ctx.engine, copy.database, side === 'limitFk')
          : side === 'jobNoFk'
            ? await dropJournalFk(ctx.engine, copy.database)
            : async () => undefined;
      try {
        if (side === 'job' || side === 'jobNoFk') jobs[side].push(await runJob(ctx, copy.database));
        else raw[side].push((await timeStatement(ctx.engine, copy.database, statement[side], script.warmUp)).ms);
      } finally {
        await undo();
        await copy.dispose();
      }
    }
    ctx.progress(`${size.totalContacts} contacts, ${scenarioName(rate)}: rep ${rep}/${ctx.options.reps} done`);
  }
  const job = jobs.job;
  const changed = [...job, ...jobs.jobNoFk].map((s) => s.changed);
  if (changed.some((c) => c !== shaped.toChange)) ctx.notes.add(`${scenarioName(rate)} at ${size.totalContacts} contacts: the job changed ${changed.join(', ')} rows, the shaping left ${shaped.toChange} to change.`);
  const jobMs = median(job.map((s) => s.ms));
  const peakRssKB = Math.max(...[...job, ...jobs.jobNoFk].map((s) => s.rssKB));
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
      row('physical limit, journal with FK', 'limitFk', LIMIT_TARGET),
      row('physical limit, journal without FK', 'limitNoFk', REPORTED),
      fkRow(ctx, size, shaped, rate, job, jobs.jobNoFk),
    );
  }
  return { rows, peakRssKB };
}

/** The journal foreign key's cost in cw-maint itself: the same job with it as migrated (the "raw" side) and dropped. */
function fkRow(ctx: BenchContext, size: SizeData, shaped: ShapedData, rate: number, withFk: JobSample[], withoutFk: JobSample[]): ResultRow {
  const rawMs = median(withFk.map((s) => s.ms));
  const jobMs = median(withoutFk.map((s) => s.ms));
  return {
    contacts: size.totalContacts,
    scenario: `${scenarioName(rate)}, journal FK dropped`,
    matched: shaped.matched,
    toChange: shaped.toChange,
    rawLabel: 'the job, journal FK as migrated',
    rawMs,
    jobMs,
    ratio: jobMs / rawMs,
    target: REPORTED.text,
    met: null,
    roundTrips: roundTrips(withoutFk, shaped.toChange, ctx.options.batchSize),
    peakRssMB: (Math.max(...withoutFk.map((s) => s.rssKB)) * 1024) / MB,
    samples: { raw: withFk.map((s) => s.ms), job: withoutFk.map((s) => s.ms) },
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

async function runJob(ctx: BenchContext, database: string): Promise<JobSample> {
  const run = await runCwMaint(['revoke-inactive', '--yes', '--json', '--config', ctx.config], { CW_DB_URL: urlFor(ctx.engine, database) });
  const out = JSON.parse(run.stdout) as { changed?: number; statements?: number };
  return { ms: run.ms, rssKB: run.rssKB, changed: Number(out.changed), statements: typeof out.statements === 'number' ? out.statements : null };
}
