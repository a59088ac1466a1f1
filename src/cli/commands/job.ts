import { printable } from '../../printable.js';
import { Command, Option } from 'commander';
import { resolveJobParams, type FlagValues } from '../../vocabulary/job-params.js';
import { runSettingsFrom, sessionLimitsFrom } from '../../config/run-settings.js';
import { usingDatabase } from '../../db/connect.js';
import { UsageError } from '../../errors.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import { createNotifier, notifyUnreachable } from '../../notify/notifier.js';
import { runJob } from '../../run/job/run-job.js';
import { askToApply } from '../shared/confirm.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { exitCodeOf, jsonReport, planTable, reportFailedLine, textReport } from '../shared/report.js';
import { planOutTarget, planWrittenLine } from '../shared/plan-out.js';
import { writePlanFile } from '../../run/plan-file/write-plan.js';
import { allChecked } from '../shared/args.js';
import { printJsonFailure } from '../shared/json-outcome.js';
import { NO_BOM_HELP, reportSink } from '../shared/report-sink.js';
import { runOverrides } from '../shared/run-overrides.js';
import { withConfigSource } from '../shared/config-source.js';
import { describeServer } from '../../config/connection-spec.js';

interface JobOptions extends CommonOptions {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  showSql?: boolean;
  maxChanges?: string;
  maxPercent?: string;
  allowStatus?: string;
  ticket?: string;
  report?: string;
  out?: string;
  force?: boolean;
  bom?: boolean;
  [flag: string]: unknown;
}

/** One sub-command per job, with exactly the flags its parameters declare. */
export function jobCommand(job: AnyJob, deps: CliDeps): Command {
  const command = new Command(job.name).description(
    `${job.summary}${job.reproduces ? ` (reproduces sql/original/${job.reproduces.file})` : ''}`,
  );
  // The job's own flags, from its file; each maps back to the parameter it sets.
  const attributes: Array<{ key: string; attribute: string; value?: boolean }> = [];
  for (const [key, spec] of Object.entries(job.params)) {
    const option = new Option(spec.flag, spec.help);
    command.addOption(option);
    attributes.push({ key, attribute: option.attributeName(), ...(spec.negate ? { value: true } : {}) });
    if (spec.negate) {
      const negation = new Option(spec.negate.flag, spec.negate.help).conflicts(option.attributeName());
      command.addOption(negation);
      attributes.push({ key, attribute: negation.attributeName(), value: false });
    }
  }
  withCommonOptions(command)
    .option('--dry-run', 'plan only: counts and up to 20 rows that would change; writes nothing')
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal)')
    .option('--json', 'print one JSON object on stdout')
    .option('--max-changes <n>', 'for this run: refuse an apply that would change more rows (default from config, 1000)')
    .option('--max-percent <p>', 'for this run: refuse an apply that would change more than this share of all contacts (default from config, 25)')
    .option('--allow-status <ids>', 'for this run: company status RecIDs allowed past the status checks, comma-separated')
    .option('--ticket <ref>', 'a change-ticket reference recorded on the run')
    .option('--report <file>', 'write every row planned (dry run) or changed (apply) to FILE: .csv, .jsonl or .json (checked before the run)')
    .option('--out <file>', 'with --dry-run: save the plan to FILE (.jsonl, recorded in the database) for `apply FILE`')
    .option('--force', 'with --report: replace an existing file')
    .option('--no-bom', NO_BOM_HELP)
    .option('--show-sql', 'print every statement sent, with its parameters, on stderr');
  return command.action(async (options: JobOptions) => {
    const flags: FlagValues = {};
    for (const { key, attribute, value } of attributes) {
      if (options[attribute] !== undefined) flags[key] = value ?? (options[attribute] as string);
    }
    deps.exit(await runJobCommand(job, options, flags, deps));
  });
}

async function runJobCommand(job: AnyJob, options: JobOptions, flags: FlagValues, deps: CliDeps): Promise<number> {
  const mode = options.dryRun ? 'dry-run' : 'apply';
  try {
    return await checkedRun(job, options, flags, deps, mode);
  } catch (error) {
    if (options.json) printJsonFailure(deps.io, error, { job: job.name, mode });
    throw error;
  }
}

async function checkedRun(job: AnyJob, options: JobOptions, flags: FlagValues, deps: CliDeps, mode: 'dry-run' | 'apply'): Promise<number> {
  const { io } = deps;
  const ctx = cliContext(options, deps);
  const { config } = ctx.loaded;
  const interactive = io.stdin.isTTY === true;
  // Every check of the command line before anything is connected to, all problems at once.
  const [{ params }, overrides, report, , out] = allChecked([
    () => withConfigSource(() => resolveJobParams(job, config, flags), ctx.loaded),
    () => runOverrides(options, config, mode === 'apply'),
    () => reportSink(options, { given: options.force, flag: '--force' }, io, () => ({ job: job.name, mode, ...describeServer(spec), ticket: settings.ticket ?? null })),
    () => {
      if (options.out !== undefined && mode !== 'dry-run') throw new UsageError('--out saves a plan: give it with --dry-run, then apply the file with `npm run job -- apply FILE`');
      if (options.out !== undefined && options.report !== undefined) throw new UsageError(`--out and --report: write the plan first; the board's list is then \`npm run job -- apply ${options.out} --dry-run --report FILE\`, made from the same plan`);
    },
    () => options.out === undefined ? undefined : planOutTarget(options.out, options.force),
    () => {
      if (mode === 'apply' && !options.yes && !interactive) {
        throw new UsageError(`An apply needs --yes when stdin is not a terminal (cron, Task Scheduler, a pipe). Check it first with: npm run job -- ${job.name} --dry-run`);
      }
    },
  ] as const);
  const settings = runSettingsFrom(config, overrides);
  const spec = ctx.connection();
  const showSql = options.showSql ? (text: string) => void io.stderr.write(text) : undefined;
  let connected = false;
  if (out) {
    const written = await usingDatabase(spec, (handle) => writePlanFile(handle, [{ job, params }], settings, out, ctx.log), { limits: sessionLimitsFrom(config), log: ctx.log });
    const { plan } = written.jobs[0]!;
    io.stdout.write(options.json ? `${JSON.stringify({ job: job.name, mode: 'plan', matched: plan.matched, changed: plan.changed, unchanged: plan.unchanged, totalContacts: plan.totalContacts, plan: { path: written.path, sha256: written.digest, runId: written.runId, rows: written.rows } })}\n` : `${job.name} (saved plan)\n${planTable(job, plan)}\n\n`);
    if (!options.json) io.stderr.write(planWrittenLine(written));
    return 0;
  }
  return usingDatabase(
    spec,
    async (handle) => {
      connected = true;
      const result = await runJob(handle, {
        job,
        params,
        mode,
        trigger: 'manual',
        settings,
        log: ctx.log,
        confirm: mode === 'apply' && !options.yes ? (plan) => askToApply(job, plan, handle.label, io) : undefined,
        report: report?.write,
        notify: createNotifier({ config, spec, handle, log: ctx.log, env: io.env, ticket: settings.ticket })?.afterRun,
      });
      io.stdout.write(`${options.json ? jsonReport(result, handle.statementsSent(), report?.written) : textReport(job, result, handle.label)}\n`);
      if (result.reportError !== undefined) {
        io.stderr.write(reportFailedLine(`${job.name} applied: ${result.changed} rows changed`, result.runId, result.reportError));
      }
      if (result.refusal) io.stderr.write(`${[`cw-maint: ${result.refusal.message}`, ...result.refusal.problems.map((p) => `  - ${printable(p)}`)].join('\n')}\n`);
      return exitCodeOf(result);
    },
    { showSql, limits: sessionLimitsFrom(config), log: ctx.log, paging: deps.seams?.paging },
  ).catch(async (error: unknown) => {
    // Never connected, so no run was recorded or told about; a cron run that cannot reach the server still failed.
    if (!connected) await notifyUnreachable({ config, spec, log: ctx.log, env: io.env, ticket: settings.ticket }, { job: job.name, mode }, error);
    throw error;
  });
}
