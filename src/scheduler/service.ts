import type { ConfigFile } from '../config/config-file.js';
import type { ConnectionSpec } from '../config/connection-spec.js';
import { runSettingsFrom, sessionLimitsFrom } from '../config/run-settings.js';
import { openDatabase } from '../db/connect.js';
import type { Logger } from '../log.js';
import type { RunHooks } from '../runner/run-job.js';
import type { ScheduleEntry } from './schedule-entries.js';
import { startScheduler } from './scheduler.js';
import { shutdownSignals } from './signals.js';

export interface ServiceInput {
  spec: ConnectionSpec;
  config: ConfigFile;
  entries: ScheduleEntry[];
  log: Logger;
  /** When to stop; by default the first SIGINT/SIGTERM/SIGBREAK. Tests pass their own. */
  stop?: Promise<unknown>;
  hooks?: RunHooks;
}

/**
 * `schedule` (npm start): runs until told to stop, then lets in-flight runs finish for
 * shutdownGraceSeconds, rolls back what is still open, and closes the pool.
 */
export async function runSchedulerService(input: ServiceInput): Promise<void> {
  const { config, log } = input;
  const handle = await openDatabase(input.spec, { limits: sessionLimitsFrom(config) });
  const settings = runSettingsFrom(config);
  const signals = input.stop ? undefined : shutdownSignals(log);
  try {
    const scheduler = startScheduler(handle, input.entries, settings, log, input.hooks);
    log.info({ event: 'scheduler.started', jobs: input.entries.length, target: handle.label }, 'scheduler started');
    await (input.stop ?? signals!.received);
    const { abandoned } = await scheduler.stop(config.shutdownGraceSeconds * 1000);
    if (abandoned) log.warn({ event: 'shutdown.rolled_back', runs: abandoned }, 'in-flight runs cancelled and rolled back');
  } finally {
    // A statement that never returns must not hold the service up: closing its socket makes the server roll it back.
    await Promise.race([handle.db.destroy(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    signals?.dispose();
  }
  log.info({ event: 'scheduler.stopped' }, 'scheduler stopped');
}
