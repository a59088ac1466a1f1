import { hostname } from 'node:os';
import type { ConfigFile } from '../config/config-file.js';
import { describeServer, passwordOf, type ConnectionSpec } from '../config/connection-spec.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { Logger } from '../log.js';
import { describe, type FinishedRun, type RunEnd } from '../run/pipeline/run-log.js';
import { withRunLock } from '../run/pipeline/run-lock.js';
import { closeInterruptedRuns } from '../journal/run-record.js';
import { deliver, heartbeat, secretsOf, type Delivery } from './deliver.js';
import type { NotifyEvent, NotifyTarget } from '../config/notify-section.js';
import { pendingNotifications, recordNotified } from './notify-record.js';
import { scrub } from './redact.js';
import { runMessage, type MessageContext } from './run-message.js';

export interface Notifier {
  /** A run's outcome is recorded: tell the targets that asked, ping the heartbeat, then any interrupted run nobody was told about. */
  afterRun(run: FinishedRun): Promise<void>;
  /** Scheduler start-up: closes runs a killed process left running (when the run lock is free) and tells about them. */
  atStart(): Promise<void>;
}

export interface NotifierInput {
  config: ConfigFile;
  spec: ConnectionSpec;
  /** Absent when the database could not be reached: nothing is recorded then. */
  handle?: DatabaseHandle;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** The run's change ticket (--ticket), when not the config's. */
  ticket?: string;
}

const FAILURES = new Set(['failed', 'refused', 'interrupted']);

/** The notifier the config asks for, or undefined when it asks for none (then nothing is sent or recorded). */
export function createNotifier({ config, spec, handle, log, env, ticket = config.ticket }: NotifierInput): Notifier | undefined {
  const section = config.notify;
  const jobBeats = new Map(
    Object.entries(config.jobs).flatMap(([job, entry]) => (typeof entry.heartbeatUrl === 'string' ? [[job, entry.heartbeatUrl] as const] : [])),
  );
  const targets = section?.targets ?? [];
  if (!targets.length && !section?.heartbeatUrl && !jobBeats.size) return undefined;
  const timeoutMs = (section?.timeoutSeconds ?? 10) * 1000;
  const schema = config.journalSchema;
  const secrets = secretsOf(targets, env, [section?.heartbeatUrl, ...jobBeats.values(), passwordOf(spec)]);
  const where = whereOf(spec);

  const tell = async (run: FinishedRun, at: MessageContext): Promise<void> => {
    const clean = { ...run, ...(run.reason ? { reason: scrub(run.reason, secrets) } : {}) };
    const message = runMessage({ ...clean, ...(ticket ? { ticket } : {}) }, at, new Date());
    const beat = run.undoOf === undefined ? (jobBeats.get(run.job) ?? section?.heartbeatUrl) : undefined;
    // A skipped run pings nothing: the heartbeat's own period notices a job that keeps not running.
    const pinged = beat && (run.outcome === 'succeeded' || FAILURES.has(run.outcome)) ? [heartbeat(beat, FAILURES.has(run.outcome), timeoutMs, secrets)] : [];
    const sent = (await Promise.all([deliver(targetsFor(targets, run), message, env, timeoutMs, secrets), Promise.all(pinged)])).flat();
    logDeliveries(log, run, sent);
    // Recorded after sending, even when no target asked for this outcome: a run not recorded is sent again.
    if (run.runId === null || !handle) return;
    const failures = sent.filter((d) => !d.ok).map((d) => `${d.target}: ${d.error}`);
    await recordNotified(handle.db, schema, run.runId, failures.length ? failures.join('; ') : null).catch((error: unknown) =>
      log.warn({ event: 'notify.not_recorded', runId: run.runId, error: String((error as Error)?.message ?? error) }, 'could not record the notification on the run'),
    );
  };

  const tellPending = async () => {
    if (!handle) return;
    // Runs nobody was told about: sent, then recorded (at least once). A run finished less than
    // twice the send timeout ago may still be telling its targets itself.
    const runs = await pendingNotifications(handle.db, schema, 2 * timeoutMs + 60_000);
    for (const r of runs) {
      const counts = r.status === 'interrupted' ? {} : { matched: r.matched ?? undefined, changed: r.changed ?? undefined, unchanged: r.unchanged ?? undefined };
      await tell(
        {
          runId: Number(r.run_id),
          outcome: r.status,
          ...(r.error ? { reason: r.error } : {}),
          ...counts,
          job: r.undo_of_run_id === null ? r.job : 'undo',
          mode: r.mode as Exclude<typeof r.mode, 'plan'>,
          trigger: r.trigger,
          ...(r.undo_of_run_id === null ? {} : { undoOf: r.undo_of_run_id }),
        },
        { ...where, host: r.host },
      );
    }
  };
  const quietly = (what: string) => (error: unknown) =>
    log.warn({ event: 'notify.skipped', what, error: scrub(String((error as Error)?.message ?? error), secrets) }, `could not ${what}`);

  return {
    async afterRun(run) {
      await tell(run, where);
      // A recorded run means cw-maint's tables are there and current.
      if (run.runId !== null) await tellPending().catch(quietly('look for runs nobody was told about'));
    },
    async atStart() {
      if (!handle) return;
      await withRunLock(handle, schema, ({ side }) => closeInterruptedRuns(side, schema)).catch(quietly('close runs left running (the run lock is held?)'));
      await tellPending().catch(quietly('look for runs nobody was told about'));
    },
  };
}

/** A run that never reached the database (cron at 2 a.m., server down): no run is recorded, but it failed. */
export async function notifyUnreachable(input: Omit<NotifierInput, 'handle'>, run: Pick<FinishedRun, 'job' | 'mode'>, error: unknown): Promise<void> {
  await createNotifier(input)?.afterRun({ ...run, trigger: 'manual', runId: null, outcome: 'failed', reason: describe(error) });
}

/** The targets that asked for this outcome ("succeeded-with-changes": a success that changed rows, or for a dry run would). */
export function targetsFor(targets: readonly NotifyTarget[], run: RunEnd): NotifyTarget[] {
  const events: NotifyEvent[] =
    run.outcome === 'succeeded'
      ? ['succeeded', ...((run.changed ?? 0) > 0 ? (['succeeded-with-changes'] as const) : [])]
      : FAILURES.has(run.outcome) || run.outcome === 'skipped'
        ? [run.outcome as NotifyEvent]
        : [];
  return targets.filter((t) => t.events.some((e) => events.includes(e)));
}

function logDeliveries(log: Logger, run: FinishedRun, sent: Delivery[]) {
  for (const d of sent) {
    if (d.ok) log.info({ event: 'notify.sent', runId: run.runId, outcome: run.outcome, target: d.target, ms: d.ms }, `notified ${d.target}`);
    else log.warn({ event: 'notify.failed', runId: run.runId, outcome: run.outcome, target: d.target, error: d.error, ms: d.ms }, `could not notify ${d.target}`);
  }
}

/** Server (engine, host, instance, port) and database: enough to tell production from a restored copy, no credentials. */
export function whereOf(spec: ConnectionSpec | undefined): MessageContext {
  const host = hostname();
  if (!spec) return { server: '(CW_DB_URL not set)', database: '(none)', host };
  return { ...describeServer(spec), host };
}
