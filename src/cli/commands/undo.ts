import { Command } from 'commander';
import { runSettingsFrom, sessionLimitsFrom, undoStampProblem } from '../../config/run-settings.js';
import { usingDatabase } from '../../db/connect.js';
import { ExitCode, UsageError } from '../../errors.js';
import { createNotifier } from '../../notify/notifier.js';
import { undoRun } from '../../run/undo/undo-run.js';
import { allChecked, parseRunId } from '../shared/args.js';
import { printJsonFailure } from '../shared/json-outcome.js';
import { runTicket } from '../shared/run-overrides.js';
import { describeServer } from '../../config/connection-spec.js';
import { askToUndo } from '../shared/confirm.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { undoJson, undoReport } from '../shared/undo-report.js';
import { NO_BOM_HELP, reportSink } from '../shared/report-sink.js';
import { reportFailedLine } from '../shared/report.js';

/** `undo <runId> [--dry-run] [--yes] [--json] [--force]`: restores a run's before-values. */
export function undoCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('undo').description("restore the before-values of one run (an apply, or an undo), from the journal"))
    .argument('<runId>', 'the run to undo (see history)')
    .option('--dry-run', 'show what would be restored, and the conflicts; write nothing')
    .option('-y, --yes', 'undo without asking (required when stdin is not a terminal)')
    .option('--json', 'print one JSON object on stdout')
    .option('--force', 'also restore rows someone changed since the run (conflicts)')
    .option('--ticket <ref>', 'a change-ticket reference recorded on the undo')
    .option('--report <file>', 'write the rows restored (or that would be) and the conflicts to FILE: .csv, .jsonl or .json (checked before the undo)')
    .option('--force-report', 'with --report: replace an existing file (--force means the conflicts here)')
    .option('--no-bom', NO_BOM_HELP)
    .action(async (runIdText: string, options: UndoOptions) => {
      const mode = options.dryRun ? 'dry-run' : 'apply';
      try {
        await undoCommandRun(runIdText, options, deps, mode);
      } catch (error) {
        if (options.json) printJsonFailure(deps.io, error, { mode: mode === 'apply' ? 'undo' : 'dry-run', undoOf: /^\d+$/.test(runIdText) ? Number(runIdText) : runIdText });
        throw error;
      }
    });
}

interface UndoOptions extends CommonOptions {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  force?: boolean;
  forceReport?: boolean;
  bom?: boolean;
  ticket?: string;
  report?: string;
}

async function undoCommandRun(runIdText: string, options: UndoOptions, deps: CliDeps, mode: 'dry-run' | 'apply'): Promise<void> {
  const { io } = deps;
  const ctx = cliContext(options, deps);
  const { config } = ctx.loaded;
  // Every check of the command line before anything is connected to, all problems at once.
  const [runId, ticket, report] = allChecked([
    () => parseRunId(runIdText),
    () => runTicket(options.ticket, config, mode === 'apply'),
    () => reportSink(options, { given: options.forceReport, flag: '--force-report' }, io, () => ({ job: 'undo', mode: mode === 'apply' ? 'undo' : 'dry-run', ...describeServer(spec), ticket: settings.ticket ?? null })),
    () => {
      if (mode === 'apply' && !options.yes && io.stdin.isTTY !== true) {
        throw new UsageError(`An undo needs --yes when stdin is not a terminal. Check it first with: npm run job -- undo ${runIdText} --dry-run`);
      }
    },
  ] as const);
  const stampProblem = mode === 'apply' ? undoStampProblem(config.updatedBy, runId) : '';
  if (stampProblem) throw new UsageError(`Cannot undo run ${runId}: ${stampProblem}.`);
  const settings = runSettingsFrom(config, { ticket });
  const spec = ctx.connection();
  const result = await usingDatabase(
    spec,
    (handle) =>
      undoRun(handle, {
        runId,
        mode,
        force: options.force === true,
        trigger: 'manual',
        settings,
        log: ctx.log,
        confirm: mode === 'apply' && !options.yes ? (plan) => askToUndo(plan, handle.label, io) : undefined,
        report: report?.write,
        notify: createNotifier({ config, spec, handle, log: ctx.log, env: io.env, ticket: settings.ticket })?.afterRun,
      }),
    { limits: sessionLimitsFrom(config), log: ctx.log },
  );
  io.stdout.write(`${options.json ? undoJson(result, report?.written) : undoReport(result)}\n`);
  if (result.reportError !== undefined) {
    io.stderr.write(reportFailedLine(`the undo of run ${runId} restored ${result.restored} rows`, result.runId, result.reportError));
    deps.exit(ExitCode.reportFailed);
  }
}
