// What every scenario needs: the engine, its databases, the options, the raw SQL and a config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { JOBS } from '../../jobs/index.js';
import type { AnyJob } from '../../src/vocabulary/job-definition.js';
import type { BenchOptions } from './args.js';
import { open, type BenchDatabases, type BenchEngine } from './engine.js';
import { BENCH_PARAMS } from './script-sql.js';

export interface BenchContext {
  engine: BenchEngine;
  dbs: BenchDatabases;
  options: BenchOptions;
  /** A temporary folder (config files, report exports); removed at the end. */
  dir: string;
  /** revoke-inactive with its guards opened wide: nothing may refuse a measured run. */
  config: string;
  job: AnyJob;
  /** Said under the table: surprises found while measuring. */
  notes: Set<string>;
  progress(text: string): void;
}

export function benchContext(engine: BenchEngine, dbs: BenchDatabases, options: BenchOptions): BenchContext {
  const dir = mkdtempSync(join(tmpdir(), 'cwm-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ maxChanges: 1_000_000_000, maxPercent: 100, statementTimeoutSeconds: 0, lockTimeoutSeconds: 60, batchSize: options.batchSize, jobs: { 'revoke-inactive': BENCH_PARAMS } }),
    // Readable by its owner only, as a config should be: else every measured run logs a warning.
    { mode: 0o600 },
  );
  const job = JOBS.find((j) => j.name === 'revoke-inactive');
  if (!job) throw new Error('no job named revoke-inactive');
  return { engine, dbs, options, dir, config, job, notes: new Set(), progress: (text) => process.stderr.write(`bench: ${text}\n`) };
}

/** One statement on an already open connection, timed from send to result; rows = COUNT's n, else rows affected. */
export async function timeOn(db: Kysely<any>, text: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const result = await sql.raw<{ n?: number }>(text).execute(db);
  const ms = performance.now() - t0;
  return { ms, rows: Number(result.rows[0]?.n ?? result.numAffectedRows ?? 0) };
}

/**
 * timeOn a connection of its own to `database`, opened before the clock starts, as a DBA's open
 * session: `warmUp` (the same tables, no rows read) first, so the session's first-statement costs
 * (catalog and plan caches: most of a second on Babelfish) are not counted, while no data page is
 * read ahead of the timed statement.
 */
export async function timeStatement(engine: BenchEngine, database: string, text: string, warmUp: string): Promise<{ ms: number; rows: number }> {
  const h = await open(engine, database, 1);
  try {
    await sql.raw(warmUp).execute(h.db);
    return await timeOn(h.db, text);
  } finally {
    await h.db.destroy();
  }
}

export const MB = 1e6;
/** The memory target for the job process, at every size. */
export const RSS_TARGET_MB = 150;
