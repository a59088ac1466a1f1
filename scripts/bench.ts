// `npm run bench`: the job runner against the raw original script, on the same generated data, in
// the same run. Reports ratios (job time / raw time) and the heap the runner needs as the data
// grows, because absolute timings on a shared machine mean little.
//
// Engine: BENCH_URL (an admin URL that may CREATE DATABASE: postgres://... or mssql://...), else
// the embedded PGlite database in memory. Sizes: BENCH_COMPANIES (comma-separated), default 1000,4000.
// Errors: one line and a non-zero exit code; --verbose or BENCH_VERBOSE=1 adds the stack.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { JOBS } from '../jobs/index.js';
import { parseCount } from '../src/cli/args.js';
import { reportError } from '../src/cli/exit.js';
import { parseConnectionSpec, type ConnectionSpec } from '../src/config/connection-spec.js';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.js';
import { seedConnectWise } from '../src/fixture/generate.js';
import { migrateToLatest } from '../src/journal/migrator.js';
import { runJob } from '../src/runner/run-job.js';
import { originalScriptSql } from '../test/support/original-scripts.js';
import { specForDatabase, type TestEngine } from '../test/support/engines.js';

// Report export: BENCH_REPORT_COMPANIES (default 2500,250000: about 10,000 and 1,000,000 contacts;
// empty to skip) measures the peak RSS of `plan --report` in a process of its own.
const VERBOSE = process.argv.includes('--verbose') || !['', '0', 'false'].includes(process.env.BENCH_VERBOSE ?? '');
const adminUrl = process.env.BENCH_URL;
const log = pino({ level: 'silent' });
const params = { companyTypes: [1, 9], companyStatuses: [2, 7] };

/** Whole numbers only: a typo in BENCH_COMPANIES must not silently benchmark NaN companies. */
function benchSettings() {
  return {
    reps: parseCount(process.env.BENCH_REPS ?? '3', 'BENCH_REPS'),
    sizes: (process.env.BENCH_COMPANIES ?? '1000,4000').split(',').map((size) => parseCount(size, 'BENCH_COMPANIES')),
  };
}

function jobNamed(name: string) {
  const job = JOBS.find((j) => j.name === name);
  if (!job) throw new Error(`no job named ${name}`);
  return job;
}

async function freshDatabase(): Promise<{ handle: DatabaseHandle; engine: TestEngine | undefined; drop: () => Promise<void> }> {
  if (!adminUrl) {
    const handle = await openDatabase(parseConnectionSpec('pglite:memory'));
    return { handle, engine: undefined, drop: () => handle.db.destroy() };
  }
  const admin = parseConnectionSpec(adminUrl, 'BENCH_URL');
  const engine: TestEngine = { name: admin.engine, engine: admin.engine, adminUrl, flavor: admin.engine === 'postgres' ? 'postgres' : 'sqlserver' };
  const name = `cwm_bench_${randomBytes(4).toString('hex')}`;
  const a = await openDatabase(admin, { poolSize: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(a.db).catch(async (error: unknown) => {
    await a.db.destroy();
    throw error;
  });
  const handle = await openDatabase(specForDatabase(engine, name) as ConnectionSpec);
  return {
    handle,
    engine,
    drop: async () => {
      await handle.db.destroy();
      // The server may still be closing the pool's sessions; a few retries before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await sql`DROP DATABASE ${sql.id(name)}`.execute(a.db);
          break;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      await a.db.destroy();
    },
  };
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

type Job = ReturnType<typeof jobNamed>;

interface Sample {
  ms: number;
  contacts: number;
  /** Job side only. */
  heapBytes?: number;
  changed?: number;
}

/** The raw script or the job, once, on a fresh database seeded with `seed`. */
async function measureOnce(side: 'raw' | 'job', job: Job, companies: number, seed: number): Promise<Sample> {
  const { handle, engine, drop } = await freshDatabase();
  try {
    const { contacts } = await seedConnectWise(handle.db, handle.adapter, { layout: 'many-to-many', companies, contactsPerCompany: 4, seed });
    if (side === 'raw') {
      const engineInfo: TestEngine = engine ?? { name: 'pglite', engine: 'postgres', adminUrl: '', flavor: 'postgres' };
      const text = originalScriptSql(engineInfo, 'many-to-many', { job: 'revoke-inactive', types: params.companyTypes, statuses: params.companyStatuses });
      const t0 = performance.now();
      await sql.raw(text).execute(handle.db);
      return { ms: performance.now() - t0, contacts };
    }
    const { error } = await migrateToLatest(handle.db, handle.adapter, 'cw_maint');
    if (error) throw error;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const result = await runJob(handle, {
      job,
      params: job.paramsSchema.parse(params) as Record<string, unknown>,
      mode: 'apply',
      trigger: 'manual',
      settings: { journalSchema: 'cw_maint', updatedBy: 'bench', maxChanges: Number.MAX_SAFE_INTEGER, maxPercent: 100, allowStatuses: [], lockTimeoutSeconds: 30, statementTimeoutSeconds: 0, deadlockRetries: 1 },
      log,
    });
    return { ms: performance.now() - t0, contacts, heapBytes: process.memoryUsage().heapUsed - heapBefore, changed: result.changed };
  } finally {
    await drop();
  }
}

/** One line of the report: medians over `reps` runs of each side, each on fresh data. */
async function measureSize(job: Job, companies: number, reps: number): Promise<string> {
  const raw: Sample[] = [];
  const viaJob: Sample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    raw.push(await measureOnce('raw', job, companies, rep + 1));
    viaJob.push(await measureOnce('job', job, companies, rep + 1));
  }
  const r = median(raw.map((s) => s.ms));
  const j = median(viaJob.map((s) => s.ms));
  const last = viaJob.at(-1)!;
  const heapMiB = median(viaJob.map((s) => s.heapBytes ?? 0)) / 1024 / 1024;
  return `${String(companies).padStart(9)}  ${String(last.contacts).padStart(8)}  ${String(last.changed).padStart(7)}  ${r.toFixed(1).padStart(9)}  ${j.toFixed(1).padStart(9)}  ${(j / r).toFixed(2).padStart(6)}  ${heapMiB.toFixed(2).padStart(10)}`;
}

/**
 * Peak RSS of `plan --report FILE.csv` (every planned row streamed to a CSV file) in a process of
 * its own, against the peak RSS of the same program doing nothing (`--version`) in the same run.
 */
async function measureReportRss(companies: number): Promise<string> {
  const { handle, drop, url } = await freshDatabaseWithUrl();
  const dir = mkdtempSync(join(tmpdir(), 'cwm-bench-'));
  try {
    const { contacts } = await seedConnectWise(handle.db, handle.adapter, { layout: 'many-to-many', companies, contactsPerCompany: 4, seed: 1 });
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ maxChanges: 100_000_000, maxPercent: 100, jobs: { 'revoke-inactive': params, 'set-primary-portal': { level: 6, companyTypes: [1, 9], companyStatuses: [1] } } }));
    const floor = await childMaxRss(['--version'], url);
    const t0 = performance.now();
    const exported = await childMaxRss(['plan', '--config', config, '--report', join(dir, 'plan.csv')], url);
    const ms = performance.now() - t0;
    const rows = readFileSync(join(dir, 'plan.csv'), 'utf8').split('\n').length - 2;
    return `${String(contacts).padStart(9)}  ${String(rows).padStart(9)}  ${ms.toFixed(0).padStart(8)}  ${(exported / 1024).toFixed(1).padStart(12)}  ${(floor / 1024).toFixed(1).padStart(13)}  ${(exported / floor).toFixed(2).padStart(6)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}

/** Runs the CLI (the bundle, as installed) in a child process and returns its peak RSS in KB. */
function childMaxRss(args: string[], url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', `${root}scripts/max-rss.mjs`, `${root}bin/cw-maint.js`, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CW_DB_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxRSS_KB=(\d+)/.exec(stderr);
      if (code !== 0 || !rss) reject(new Error(`cw-maint ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve(Number(rss[1]));
    });
  });
}

/** A fresh database and a URL another process can reach it by (PGlite: a folder, not memory). */
async function freshDatabaseWithUrl() {
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-bench-pglite-'));
    const handle = await openDatabase(parseConnectionSpec(`pglite:${dir}`));
    await migrateToLatest(handle.db, handle.adapter, 'cw_maint');
    return { handle, url: `pglite:${dir}`, drop: async () => void (await handle.db.destroy(), rmSync(dir, { recursive: true, force: true })) };
  }
  const fresh = await freshDatabase();
  const url = new URL(adminUrl);
  url.pathname = `/${fresh.handle.spec.database}`;
  // The child connects on its own; the bench's own pool is closed so PGlite/engines see one writer.
  return { handle: fresh.handle, url: url.toString(), drop: fresh.drop };
}

async function main(): Promise<void> {
  const { reps, sizes } = benchSettings();
  const reportSizes = (process.env.BENCH_REPORT_COMPANIES ?? '2500,250000').split(',').filter(Boolean).map((size) => parseCount(size, 'BENCH_REPORT_COMPANIES'));
  const job = jobNamed('revoke-inactive');
  const rows: string[] = [];
  for (const companies of sizes) rows.push(await measureSize(job, companies, reps));
  process.stdout.write(
    [
      `revoke-inactive on ${adminUrl ? parseConnectionSpec(adminUrl, 'BENCH_URL').engine : 'pglite (embedded)'}; median of ${reps} runs, each on fresh data`,
      'job = the whole runner: schema check, migration status, RecID check, plan, guards, lock, journal, update, run record.',
      'companies  contacts  changed     raw ms     job ms   ratio  heap Δ MiB',
      ...rows,
      'heap Δ staying flat as contacts grow shows that rows are not pulled into Node (only the 20-row preview).',
    ].join('\n') + '\n',
  );
  if (!reportSizes.length) return;
  const reportRows: string[] = [];
  for (const companies of reportSizes) reportRows.push(await measureReportRss(companies));
  process.stdout.write(
    [
      '',
      'plan --report FILE.csv (every planned row of revoke-inactive and set-primary-portal, streamed to CSV), in a process of its own',
      ' contacts  rows out   wall ms  peak RSS MiB  floor RSS MiB  ratio',
      ...reportRows,
      'floor = the same program printing --version in the same run; a ratio that stays flat as contacts grow means the export streams.',
    ].join('\n') + '\n',
  );
}

try {
  await main();
} catch (error) {
  process.exitCode = reportError(error, VERBOSE);
}
