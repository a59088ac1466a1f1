import type { ConfigFile } from '../config/config-file.js';
import type { ConnectionSpec } from '../config/connection-spec.js';
import { runSettingsFrom, sessionLimitsFrom } from '../config/run-settings.js';
import { openDatabase, type DatabaseHandle } from '../db/connect.js';
import { GuardRefusedError, SchemaCheckError, UsageError } from '../errors.js';
import { checkParamValues } from '../vocabulary/param-values.js';
import { preflight, reasonsNotToRun } from '../preflight/preflight.js';
import type { Logger } from '../log.js';
import type { TargetContext } from '../vocabulary/job-definition.js';
import { createNotifier } from '../notify/notifier.js';
import type { RunHooks } from '../run/job/run-job.js';
import { findFights } from '../run/job/converge.js';
import type { RunSettings } from '../config/run-settings.js';
import type { ScheduleEntry } from './schedule-entries.js';
import { startScheduler } from './scheduler.js';
import { recordRun } from '../journal/run-record.js';
import { shutdownSignals } from './signals.js';

export interface ServiceInput {
  /** Where notify's e-mail passwords are read (the process's environment by default). */
  env?: NodeJS.ProcessEnv;
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
  const handle = await openDatabase(input.spec, { limits: sessionLimitsFrom(config), log });
  const settings = runSettingsFrom(config);
  const signals = input.stop ? undefined : shutdownSignals(log);
  try {
    await checkEntriesAgainstDatabase(handle, input.entries, settings);
    const notifier = createNotifier({ config, spec: input.spec, handle, log, env: input.env ?? process.env });
    // A run killed with the previous scheduler (kill -9, a power cut) is told about now, once.
    await notifier?.atStart();
    const scheduler = startScheduler(handle, input.entries, settings, log, {
      hooks: input.hooks,
      notify: notifier?.afterRun,
      // A run that never ran is in history too, as skipped, and told about (event "skipped").
      skipped: async (entry, reason) => {
        const runId = await recordRun(handle.db, handle.adapter, settings.journalSchema, { job: entry.job.name, mode: entry.mode, trigger: 'schedule', params: entry.params, ticket: settings.ticket }, { status: 'skipped', error: reason });
        await notifier?.afterRun({ runId, outcome: 'skipped', reason, job: entry.job.name, mode: entry.mode, trigger: 'schedule' });
      },
    });
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

/**
 * Before the first tick: every entry's job must be able to run on this database (schema,
 * migrations for applies) and its RecIDs and Company_IDs must exist. All problems at once, exit 2
 * (a schema problem: exit 3), rather than a refusal every night.
 */
async function checkEntriesAgainstDatabase(handle: DatabaseHandle, entries: ScheduleEntry[], settings: RunSettings): Promise<void> {
  const report = await preflight(handle, entries.map((e) => e.job), settings.journalSchema);
  const schemaProblems = entries.flatMap((e) => reasonsNotToRun(report, e.job.name, e.mode).map((r) => `jobs.${e.job.name}: ${r}`));
  if (schemaProblems.length) throw new SchemaCheckError('The schedule cannot start:', [...new Set(schemaProblems)]);
  const problems: string[] = [];
  for (const entry of entries) {
    await checkParamValues(handle.db, entry.job, entry.params).catch((error: unknown) => {
      if (!(error instanceof UsageError)) throw error;
      problems.push(...error.details.map((d) => `jobs.${entry.job.name}.${d}`));
    });
  }
  if (problems.length) throw new UsageError('The schedule cannot start: configured values do not exist in this database:', problems);
  await refuseFights(handle, entries, settings, { layout: report.schema.layout!, journalSchema: settings.journalSchema, auditColumns: report.schema.auditColumns });
}

/**
 * Scheduled applies that would undo each other's changes on every run are refused (exit 5),
 * unless the config's allowFights names the pair. Checked here, once at start: a tick pays
 * nothing for it (README, "plan"). Dry-run entries change nothing, so they cannot fight.
 */
async function refuseFights(handle: DatabaseHandle, entries: ScheduleEntry[], settings: RunSettings, context: TargetContext): Promise<void> {
  const applies = entries.filter((e) => e.mode === 'apply');
  const fights = (await findFights(handle.db, applies, context, settings.allowFights)).filter((f) => !f.allowed);
  if (!fights.length) return;
  throw new GuardRefusedError(
    'The schedule cannot start: scheduled applies would undo each other on every run (nothing was changed):',
    fights.map((f) => `${f.jobs[0]} and ${f.jobs[1]}: ${f.reason}; change one of them, or allow the pair with "allowFights": [["${f.jobs[0]}", "${f.jobs[1]}"]] in the config`),
  );
}
