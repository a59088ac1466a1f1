import { printableLines } from '../../printable.js';
import { Command } from 'commander';
import { configFileName } from '../../config/config-file.js';
import cron from 'node-cron';
import { resolveJobParams } from '../../vocabulary/job-params.js';
import { UsageError } from '../../errors.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { localTimeWithOffset } from '../shared/local-time.js';

/** `list [--json]`: every configured job with its effective parameters, schedule and next run. No database. */
export function listCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('list').description('list the configured jobs: effective parameters, schedule, time zone, next run'))
    .option('--json', 'print JSON')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const ctx = cliContext(options, deps);
      const { config } = ctx.loaded;
      const jobs = deps.jobs.filter((job) => config.jobs[job.name]);
      if (!jobs.length) throw new UsageError(`No job has an entry in ${configFileName(ctx.loaded)}; write one with npm run job -- init.`);
      const rows = jobs.map((job) => {
        const { params, schedule } = resolveJobParams(job, config);
        let next: Date | null = null;
        if (schedule.schedule) {
          // node-cron computes the next run only for a started task; it is destroyed at once, before any tick.
          const task = cron.schedule(schedule.schedule, () => undefined, { timezone: schedule.timezone });
          next = task.getNextRun();
          void task.destroy();
        }
        const timezone = schedule.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
        return { job: job.name, params, schedule: schedule.schedule ?? null, timezone: schedule.schedule ? timezone : null, mode: schedule.mode ?? null, nextRun: next };
      });
      if (options.json) {
        deps.io.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const r of rows) {
        lines.push(`${r.job}`, `  parameters  ${JSON.stringify(r.params)}`);
        lines.push(r.schedule ? `  schedule    ${r.schedule} (${r.timezone}), mode ${r.mode}; next run ${r.nextRun ? localTimeWithOffset(r.nextRun) : 'none'}` : '  schedule    none (runs by hand)');
      }
      deps.io.stdout.write(`${printableLines(lines.join('\n'))}\n`);
    });
}
