// Whole-process measurements that need no timing against SQL: start-up (--help, --version, with
// bare node as the baseline) and the peak RSS of `plan --report FILE.csv` (opt-in: slow).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCwMaint, runNode, type ChildRun } from './child.js';
import { MB, RSS_TARGET_MB, type BenchContext } from './context.js';
import type { ShapedData, SizeData } from './data.js';
import { urlFor } from './engine.js';
import { median, type ResultRow } from './results.js';
import { BENCH_PARAMS } from './script-sql.js';

export const STARTUP_TARGET_MS = 300;

/** Median of at least 5, interleaved: node -e 0, --help, --version, node -e 0, … */
export async function measureStartup(ctx: BenchContext): Promise<ResultRow[]> {
  const runs: Record<'node' | '--help' | '--version', ChildRun[]> = { node: [], '--help': [], '--version': [] };
  for (let rep = 0; rep < Math.max(5, ctx.options.reps); rep++) {
    runs.node.push(await runNode(['-e', '0']));
    runs['--help'].push(await runCwMaint(['--help']));
    runs['--version'].push(await runCwMaint(['--version']));
  }
  const nodeMs = median(runs.node.map((r) => r.ms));
  return (['--help', '--version'] as const).map((flag) => {
    const jobMs = median(runs[flag].map((r) => r.ms));
    return {
      contacts: null,
      scenario: `start-up: cw-maint ${flag}`,
      matched: null,
      toChange: null,
      rawLabel: 'bare node -e 0',
      rawMs: nodeMs,
      jobMs,
      ratio: jobMs / nodeMs,
      target: `≤ ${STARTUP_TARGET_MS} ms`,
      met: jobMs <= STARTUP_TARGET_MS,
      roundTrips: '—',
      peakRssMB: (Math.max(...runs[flag].map((r) => r.rssKB)) * 1024) / MB,
      samples: { raw: runs.node.map((r) => r.ms), job: runs[flag].map((r) => r.ms) },
    };
  });
}

/** The job process's peak RSS over every run at one size, against the 150 MB. */
export function rssRow(contacts: number, peakRssKB: number, targetMB: number): ResultRow {
  const peakRssMB = (peakRssKB * 1024) / MB;
  return {
    contacts,
    scenario: 'peak RSS of the job process (max over runs)',
    matched: null,
    toChange: null,
    rawLabel: '—',
    rawMs: null,
    jobMs: null,
    ratio: null,
    target: `< ${targetMB} MB`,
    met: peakRssMB < targetMB,
    roundTrips: '—',
    peakRssMB,
  };
}

/**
 * Peak RSS of `plan --report FILE.csv` (every planned row of revoke-inactive and set-primary-portal
 * streamed to a CSV file) in a process of its own, against the same program printing --version.
 */
export async function measureReportRss(ctx: BenchContext, size: SizeData, shaped: ShapedData): Promise<ResultRow> {
  const copy = await shaped.fresh();
  try {
    const config = join(ctx.dir, 'report-config.json');
    const csv = join(ctx.dir, 'plan.csv');
    writeFileSync(config, JSON.stringify({ maxChanges: 1_000_000_000, maxPercent: 100, jobs: { 'revoke-inactive': BENCH_PARAMS, 'set-primary-portal': { level: 6, companyTypes: [1, 9], companyStatuses: [1] } } }));
    const env = { CW_DB_URL: urlFor(ctx.engine, copy.database) };
    const floor = await runCwMaint(['--version'], env);
    const exported = await runCwMaint(['plan', '--config', config, '--report', csv], env);
    const rows = readFileSync(csv, 'utf8').split('\n').length - 2;
    return {
      contacts: size.totalContacts,
      scenario: `plan --report CSV (${rows.toLocaleString('en-US')} rows)`,
      matched: null,
      toChange: null,
      rawLabel: `--version (${((floor.rssKB * 1024) / MB).toFixed(1)} MB)`,
      rawMs: floor.ms,
      jobMs: exported.ms,
      ratio: null,
      target: `< ${RSS_TARGET_MB} MB`,
      met: (exported.rssKB * 1024) / MB < RSS_TARGET_MB,
      roundTrips: '—',
      peakRssMB: (exported.rssKB * 1024) / MB,
    };
  } finally {
    await copy.dispose();
  }
}
