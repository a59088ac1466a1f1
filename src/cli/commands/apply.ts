import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describeServer } from '../../config/connection-spec.js';
import { runSettingsFrom, sessionLimitsFrom } from '../../config/run-settings.js';
import { DEFAULT_MAX_DRIFT, DEFAULT_PLAN_MAX_AGE_HOURS } from '../../config/defaults.js';
import { usingDatabase } from '../../db/connect.js';
import { ExitCode, UsageError } from '../../errors.js';
import { createNotifier } from '../../notify/notifier.js';
import { printable } from '../../printable.js';
import type { ReportRow } from '../../report/report-file.js';
import { applyPlanFile, type PlanFileJobResult } from '../../run/plan-file/apply-plan.js';
import { driftText } from '../../run/plan-file/drift.js';
import { parsePlanFile, type PlanFile } from '../../run/plan-file/plan-file-format.js';
import { allChecked, parsePercent } from '../shared/args.js';
import { askToApplyPlan } from '../shared/confirm.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { printJsonFailure } from '../shared/json-outcome.js';
import { NO_BOM_HELP, reportSink, type ReportSink } from '../shared/report-sink.js';
import { reportFailedLine } from '../shared/report.js';
import { runTicket } from '../shared/run-overrides.js';
import { textTable } from '../shared/text-table.js';

interface ApplyOptions extends CommonOptions {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  maxDrift?: string;
  maxAge?: string;
  ticket?: string;
  report?: string;
  force?: boolean;
  bom?: boolean;
  showSql?: boolean;
}

/** Drifted rows listed in the text output; --report lists every one. */
const DRIFT_LISTED = 20;

/** `apply FILE [--dry-run]`: a saved plan (plan --out, <job> --dry-run --out), applied as reviewed or not at all. */
export function applyCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('apply').description('apply a saved plan (written by plan --out or <job> --dry-run --out): exactly its rows that have not changed since'))
    .argument('<file>', 'the plan file (.jsonl)')
    .option('--dry-run', 'the drift report: which planned rows would apply, which changed since the plan and why; no lock, no write')
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal)')
    .option('--json', 'print one JSON object on stdout')
    .option('--max-drift <p>', `for this run: refuse a job when more than this share of its planned rows drifted (default from config, ${DEFAULT_MAX_DRIFT}; 0: all or nothing)`)
    .option('--max-age <hours>', `for this run: refuse a plan older than this (default from config planMaxAgeHours, ${DEFAULT_PLAN_MAX_AGE_HOURS})`)
    .option('--ticket <ref>', "a change-ticket reference recorded on the run (default: the plan's)")
    .option('--report <file>', 'write every planned row, applied or drifted (with the reason), to FILE: .csv, .jsonl or .json (checked before the run)')
    .option('--force', 'with --report: replace an existing file')
    .option('--no-bom', NO_BOM_HELP)
    .option('--show-sql', 'print every statement sent, with its parameters, on stderr')
    .action(async (file: string, options: ApplyOptions) => {
      const mode = options.dryRun ? 'dry-run' : 'apply';
      try {
        deps.exit(await applyFile(file, options, deps, mode));
      } catch (error) {
        if (options.json) printJsonFailure(deps.io, error, { job: 'apply', mode });
        throw error;
      }
    });
}

async function applyFile(path: string, options: ApplyOptions, deps: CliDeps, mode: 'dry-run' | 'apply'): Promise<number> {
  const { io } = deps;
  const ctx = cliContext(options, deps);
  const { config } = ctx.loaded;
  // Every check of the command line and of the file's own shape before anything is connected to.
  let planJobs = '';
  const [file, maxDrift, maxAgeHours, report] = allChecked<[PlanFile, number, number, ReportSink | undefined, void]>([
    () => readPlan(path),
    () => (options.maxDrift === undefined ? config.maxDrift : parsePercent(options.maxDrift, '--max-drift')),
    () => (options.maxAge === undefined ? config.planMaxAgeHours : parseHours(options.maxAge)),
    () => reportSink(options, { given: options.force, flag: '--force' }, io, () => ({ job: planJobs, mode: mode === 'apply' ? 'apply' : 'dry-run', ...describeServer(spec), ticket: settings.ticket ?? null })),
    () => {
      if (mode === 'apply' && !options.yes && io.stdin.isTTY !== true) {
        throw new UsageError(`An apply needs --yes when stdin is not a terminal (cron, Task Scheduler, a pipe). Check it first with: npm run job -- apply ${path} --dry-run`);
      }
    },
  ]);
  planJobs = jobsOf(file);
  // The ticket: --ticket, else the one the plan was made under, else the config's; the config's ticket rules apply to it.
  const ticket = runTicket(options.ticket ?? file.header.ticket ?? undefined, config, mode === 'apply');
  const settings = runSettingsFrom(config, { ticket });
  const spec = ctx.connection();
  // Every job's rows go into one report, written once the last job's run is over.
  const reported: ReportRow[] = [];
  const results = await usingDatabase(
    spec,
    (handle) =>
      applyPlanFile(handle, {
        file,
        jobs: deps.jobs,
        maxDrift,
        maxAgeHours,
        mode,
        trigger: 'manual',
        settings,
        log: ctx.log,
        confirm: mode === 'apply' && !options.yes ? (plan) => askToApplyPlan(plan, path, handle.label, io) : undefined,
        report: report && (async (rows) => void (await collect(rows, reported))),
        notify: createNotifier({ config, spec, handle, log: ctx.log, env: io.env, ticket: settings.ticket })?.afterRun,
      }),
    { limits: sessionLimitsFrom(config), log: ctx.log, showSql: options.showSql ? (text: string) => void io.stderr.write(text) : undefined },
  );
  let reportError: string | undefined;
  if (report) await report.write(toIterable(reported), { runId: results.at(-1)?.runId ?? null }).catch((e: unknown) => void (reportError = String((e as Error)?.message ?? e)));
  const failed = results.find((r) => r.reportError !== undefined)?.reportError ?? reportError;
  io.stdout.write(`${options.json ? JSON.stringify(applyJson(file, results, report?.written)) : applyText(file, path, results, mode)}\n`);
  for (const r of results) if (r.refusal) io.stderr.write(`${[`cw-maint: ${r.refusal.message}`, ...r.refusal.problems.map((p) => `  - ${printable(p)}`)].join('\n')}\n`);
  if (failed !== undefined) {
    const applied = results.filter((r) => r.outcome === 'succeeded');
    if (mode === 'apply' && applied.length) {
      io.stderr.write(reportFailedLine(`the saved plan applied: ${applied.map((r) => `${r.job} ${r.changed} rows`).join(', ')}`, applied.at(-1)!.runId, failed));
      return ExitCode.reportFailed;
    }
    throw new UsageError(`--report: ${failed}`);
  }
  return results.some((r) => r.outcome === 'refused') ? ExitCode.guard : ExitCode.ok;
}

function readPlan(path: string): PlanFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`${path}: cannot read the plan file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parsePlanFile(bytes, path);
}

function parseHours(text: string): number {
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && value <= 24 * 366)) throw new UsageError(`--max-age must be a number of hours above 0 and at most ${24 * 366}, got ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

const jobsOf = (file: PlanFile) => file.header.jobs.map((j) => j.job).join(',');

async function collect(rows: AsyncIterable<ReportRow>, into: ReportRow[]): Promise<void> {
  for await (const row of rows) into.push(row);
}

async function* toIterable<T>(rows: readonly T[]): AsyncGenerator<T> {
  yield* rows;
}

function applyJson(file: PlanFile, results: PlanFileJobResult[], report: unknown) {
  return {
    plan: { digest: file.digest, plannedAt: file.header.plannedAt, ticket: file.header.ticket },
    jobs: results.map((r) => ({
      job: r.job,
      outcome: r.outcome,
      runId: r.runId,
      planned: r.plan.matched,
      changed: r.changed,
      wouldChange: r.plan.changed,
      drifted: r.plan.drifted.map((d) => ({ contactRecId: d.id, reason: d.reason, text: driftText(d, r.column) })),
      newlyMatching: r.plan.newlyMatching,
      ...(r.refusal ? { refusal: r.refusal } : {}),
    })),
    notRun: file.header.jobs.slice(results.length).map((j) => j.job),
    ...(report ? { report } : {}),
  };
}

function applyText(file: PlanFile, path: string, results: PlanFileJobResult[], mode: 'dry-run' | 'apply'): string {
  const h = file.header;
  const lines = [`Saved plan ${printable(path)} (SHA-256 ${file.digest.slice(0, 16)}…, planned ${h.plannedAt} UTC by the server's clock${h.ticket ? `, ticket ${printable(h.ticket)}` : ''})`];
  for (const r of results) {
    const verb = mode === 'apply' ? (r.outcome === 'succeeded' ? 'applied' : 'not applied') : 'would apply';
    lines.push(
      '',
      `${r.job}: ${mode === 'apply' ? r.changed : r.plan.changed} of ${r.plan.matched} planned rows ${verb}; ${r.plan.drifted.length} drifted (not applied); ${r.plan.newlyMatching} newly matching the job (not in the plan, not applied).`,
    );
    if (r.plan.drifted.length) {
      lines.push(...textTable(['Contact_RecID', 'why it is left alone'], r.plan.drifted.slice(0, DRIFT_LISTED).map((d) => [String(d.id), driftText(d, r.column)]), { indent: '  ', rule: true }));
      if (r.plan.drifted.length > DRIFT_LISTED) lines.push(`  … and ${r.plan.drifted.length - DRIFT_LISTED} more (--report lists them all)`);
    }
    if (r.outcome === 'refused') lines.push(`  Refused (see below): nothing of ${r.job} was changed.`);
    if (r.runId !== null) lines.push(`  Recorded as run ${r.runId}.`);
  }
  const notRun = h.jobs.slice(results.length).map((j) => j.job);
  if (notRun.length) lines.push('', `Not run, since ${results.at(-1)?.job} did not succeed: ${notRun.join(', ')}.`);
  if (mode === 'dry-run') lines.push('', 'Dry run: nothing was changed, and nothing was recorded.');
  return lines.join('\n');
}
