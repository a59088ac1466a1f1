import { Command } from 'commander';
import { runSettingsFrom, sessionLimitsFrom } from '../../config/run-settings.js';
import { usingDatabase } from '../../db/connect.js';
import { ExitCode, UsageError } from '../../errors.js';
import { createNotifier } from '../../notify/notifier.js';
import { undoRun } from '../../run/undo/undo-run.js';
import { parseCount } from '../shared/args.js';
import { askToUndo } from '../shared/confirm.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { undoJson, undoReport } from '../shared/undo-report.js';
import { reportSink } from '../shared/report-sink.js';
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
    .option('--report <file>', 'write the rows restored (or that would be) and the conflicts to FILE: .csv, .jsonl or .json')
    .action(async (runIdText: string, options: CommonOptions & { dryRun?: boolean; yes?: boolean; json?: boolean; force?: boolean; ticket?: string; report?: string }) => {
      const { io } = deps;
      const ctx = cliContext(options, deps);
      const runId = parseCount(runIdText, 'runId');
      const mode = options.dryRun ? 'dry-run' : 'apply';
      if (mode === 'apply' && !options.yes && io.stdin.isTTY !== true) {
        throw new UsageError(`An undo needs --yes when stdin is not a terminal. Check it first with: npm run job -- undo ${runId} --dry-run`);
      }
      const { config } = ctx.loaded;
      const report = reportSink(options.report, io);
      const spec = ctx.connection();
      const result = await usingDatabase(
        spec,
        (handle) =>
          undoRun(handle, {
            runId,
            mode,
            force: options.force === true,
            trigger: 'manual',
            settings: runSettingsFrom(config, { ticket: options.ticket?.trim() || undefined }),
            log: ctx.log,
            confirm: mode === 'apply' && !options.yes ? (plan) => askToUndo(plan, handle.label, io) : undefined,
            report,
            notify: createNotifier({ config, spec, handle, log: ctx.log, env: io.env })?.afterRun,
          }),
        { limits: sessionLimitsFrom(config), log: ctx.log, paging: deps.seams?.paging },
      );
      io.stdout.write(`${options.json ? undoJson(result) : undoReport(result)}\n`);
      if (result.reportError !== undefined) {
        io.stderr.write(reportFailedLine(`the undo of run ${runId} restored ${result.restored} rows`, result.runId, result.reportError));
        deps.exit(ExitCode.reportFailed);
      }
    });
}
