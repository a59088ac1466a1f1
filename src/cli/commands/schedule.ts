import { Command } from 'commander';
import { scheduleEntries } from '../../scheduler/schedule-entries.js';
import { runSchedulerService } from '../../scheduler/service.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';

/** `schedule` (npm start): the long-running service; see src/scheduler/service.ts. */
export function scheduleCommand(deps: CliDeps): Command {
  return withCommonOptions(
    new Command('schedule').description('run the jobs that have a "schedule" in the config until SIGINT/SIGTERM (npm start)'),
  ).action(async (options: CommonOptions) => {
    const ctx = cliContext(options, deps);
    const entries = scheduleEntries(ctx.loaded.config, deps.jobs);
    await runSchedulerService({ spec: ctx.connection(), config: ctx.loaded.config, entries, log: ctx.log, env: deps.io.env });
  });
}
