// `npm run bench -- [--contacts 100000,1000000] [--change-rate 0.001,1] [--url <db>] [--reps 5]
//                   [--json FILE] [--out bench/RESULTS.md] [--report-rss] [--batch-size 4000]`
// revoke-inactive through cw-maint against the raw published script, on identical fresh copies of
// generated data, interleaved, medians; the issue-14 and issue-24 targets as ratios measured in the same run.
// Every database it creates is dropped again, also after a failure or Ctrl-C.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { dirname } from 'node:path';
import { reportError } from '../src/cli/shared/exit.js';
import { parseBenchArgs, type BenchOptions } from './bench/args.js';
import { killChildren } from './bench/child.js';
import { benchContext, RSS_TARGET_MB, type BenchContext } from './bench/context.js';
import { seedSize, shapeRate } from './bench/data.js';
import { BenchDatabases, probeEngine } from './bench/engine.js';
import { markdownSection, regenerateResults, textReport, type BenchReport, type ResultRow } from './bench/results.js';
import { measureStatements } from './bench/scenario-breakdown.js';
import { measureDryRun } from './bench/scenario-dry-run.js';
import { measureReportRss, measureStartup, rssRow } from './bench/scenario-process.js';
import { measureWrites } from './bench/scenario-writes.js';
import { scriptSql } from './bench/script-sql.js';

async function measureAll(ctx: BenchContext): Promise<ResultRow[]> {
  const { options, engine, dbs } = ctx;
  ctx.progress('start-up');
  const rows = await measureStartup(ctx);
  for (const contacts of options.contacts) {
    const t0 = Date.now();
    ctx.progress(`seeding about ${contacts} contacts on ${engine.heading}`);
    const size = await seedSize(engine, dbs, contacts);
    ctx.progress(`seeded ${size.totalContacts} contacts, ${size.companies} companies in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const script = scriptSql(engine, size.audit);
    let peakRssKB = 0;
    let shaped;
    for (const rate of options.changeRates) {
      shaped = await shapeRate(engine, dbs, size, rate, script);
      ctx.progress(`rate ${rate}: ${shaped.matched} matched, ${shaped.toChange} to change`);
      const writes = await measureWrites(ctx, size, shaped, rate, script);
      rows.push(...writes.rows, await measureDryRun(ctx, size, shaped, rate, script));
      rows.push(...(await measureStatements(ctx, size, shaped, rate, script)));
      peakRssKB = Math.max(peakRssKB, writes.peakRssKB);
    }
    rows.push(rssRow(size.totalContacts, peakRssKB, RSS_TARGET_MB));
    if (options.reportRss && shaped) rows.push(await measureReportRss(ctx, size, shaped));
    await dbs.drop(size.base);
  }
  return rows;
}

function machine(): BenchReport['machine'] {
  return { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', memoryGB: Math.round(totalmem() / 1e9), node: process.version, platform: `${platform()} ${release()}` };
}

function write(options: BenchOptions, report: BenchReport): void {
  process.stdout.write(textReport(report));
  mkdirSync(dirname(options.out), { recursive: true });
  const existing = existsSync(options.out) ? readFileSync(options.out, 'utf8') : undefined;
  writeFileSync(options.out, regenerateResults(existing, markdownSection(report)));
  process.stderr.write(`bench: ${options.out} written (section "${report.engine}")\n`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`bench: ${options.json} written\n`);
  }
}

async function main(options: BenchOptions): Promise<void> {
  const engine = await probeEngine(options.url, options.urlSource);
  const dbs = new BenchDatabases(engine);
  const ctx = benchContext(engine, dbs, options);
  ctx.progress(`engine ${engine.heading} from ${options.urlSource}: ${engine.version}`);
  // Ctrl-C or a kill: stop the measured child, drop every database created, then exit.
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    process.stderr.write(`bench: ${signal}: dropping the bench databases…\n`);
    killChildren();
    void dbs.dropAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const rows = await measureAll(ctx);
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    write(options, {
      engine: engine.heading,
      engineDetail: `${engine.version}; URL from ${options.urlSource}`,
      date,
      machine: machine(),
      reps: options.reps,
      rows,
      notes: [
        'raw = the published script on an open connection; job = `node bin/cw-maint.js revoke-inactive --yes --json` as a whole process (start-up, connect, preflight, plan, apply, exit), except the dry-run rows (the plan SQL in-process).',
        'Every raw and job run had its own identical fresh copy of the shaped data, interleaved; ratio = job / raw.',
        'physical limit = the UPDATE that sets the audit columns, capturing the before-values into a table shaped as the journal (same columns, keys and index) in the same statement and transaction, as cw-maint\'s apply does (PostgreSQL: a FOR UPDATE pick with RETURNING into the INSERT); "with FK": that table references a run table, as cw-maint\'s journal does.',
        '"journal FK dropped": the first run with cw-maint\'s journal foreign key dropped on its copy before the job ran (ALTER TABLE … DROP CONSTRAINT), against the job with it as migrated.',
        'steady state SQL time = the sum of the job\'s statement times (Kysely\'s clock in the job process, from runs with --show-sql on copies of their own) against the raw COUNT on a fresh copy.',
        ...ctx.notes,
      ],
    });
  } finally {
    const failed = await dbs.dropAll();
    if (failed.length) process.stderr.write(`bench: could not drop ${failed.join(', ')}; drop them by hand\n`);
    rmSync(ctx.dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Set on Ctrl-C: the run then fails on its killed child, which is no error worth a message. */
let interrupted = false;
const verbose = process.argv.includes('--verbose');
try {
  await main(parseBenchArgs(process.argv.slice(2), process.env));
} catch (error) {
  if (!interrupted) process.exitCode = reportError(error, verbose);
}
