import { Command } from 'commander';
import { openDatabase } from '../../db/connect.js';
import { scheduleEntries } from '../../scheduler/schedule-entries.js';
import { startScheduler } from '../../scheduler/scheduler.js';
import { testHooksFromEnv } from '../../runner/test-hooks.js';
import { cliContext } from '../context.js';

/**
 * `schedule` (npm start): the long-running service. Signals are handled here and only here:
 * SIGINT/SIGTERM stop new ticks, in-flight runs get shutdownGraceSeconds to finish, then are
 * rolled back; the pool is closed; exit 0. A second signal exits at once (the server rolls back
 * whatever was open when the connection drops).
 */
export function scheduleCommand(): Command {
  return new Command('schedule')
    .description('run the jobs that have a "schedule" in the config until SIGINT/SIGTERM (npm start)')
    .option('--config <file>', 'config file')
    .option('--verbose', 'debug logs and stack traces')
    .action(async (options: { config?: string; verbose?: boolean }) => {
      const ctx = cliContext(options);
      const { config } = ctx.loaded;
      const entries = scheduleEntries(config);
      const handle = await openDatabase(ctx.connection());
      const settings = { journalSchema: config.journalSchema, updatedBy: config.updatedBy, maxChanges: config.maxChanges };
      const scheduler = startScheduler(handle, entries, settings, ctx.log, testHooksFromEnv(ctx.log));
      ctx.log.info({ event: 'scheduler.started', jobs: entries.length, target: handle.label }, 'scheduler started');

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            ctx.log.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
            process.exit(1);
          }
          stopping = true;
          ctx.log.info({ event: 'shutdown.start', signal }, 'stopping: no new runs');
          void scheduler
            .stop(config.shutdownGraceSeconds * 1000)
            .then(({ abandoned }) => {
              if (abandoned) ctx.log.warn({ event: 'shutdown.rolled_back', runs: abandoned }, 'in-flight runs cancelled and rolled back');
            })
            .finally(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      // A statement that never returns must not hold the service up: closing its socket makes the server roll it back.
      await Promise.race([handle.db.destroy(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      ctx.log.info({ event: 'scheduler.stopped' }, 'scheduler stopped');
      setTimeout(() => process.exit(0), 1_000).unref();
    });
}
