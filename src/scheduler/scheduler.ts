import cron, { type ScheduledTask } from 'node-cron';
import type { DatabaseHandle } from '../db/connect.js';
import { LockHeldError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RunSettings } from '../config/run-settings.js';
import { runJob, type RunHooks, type RunRequest } from '../run/job/run-job.js';
import type { ScheduleEntry } from './schedule-entries.js';

export interface Scheduler {
  /** Stops new ticks, lets in-flight runs finish for up to graceMs, then aborts them (rolled back). */
  stop(graceMs: number): Promise<{ abandoned: number }>;
}

/**
 * Fires the same runner the CLI uses for every scheduled job. A failing run is logged and the
 * scheduler goes on; a tick that finds the run lock held logs and skips. node-cron's
 * task.stop() does not wait for a running execution, so in-flight runs are tracked here.
 */
export function startScheduler(
  handle: DatabaseHandle,
  entries: ScheduleEntry[],
  settings: RunSettings,
  log: Logger,
  hooks?: RunHooks,
  notify?: RunRequest['notify'],
): Scheduler {
  const inFlight = new Map<Promise<void>, string>();
  const abort = new AbortController();
  const tasks: ScheduledTask[] = [];

  for (const entry of entries) {
    const tick = async () => {
      const run = (async () => {
        try {
          const result = await runJob(handle, {
            job: entry.job,
            params: entry.params,
            mode: entry.mode,
            trigger: 'schedule',
            settings,
            log,
            hooks,
            signal: abort.signal,
            notify,
          });
          if (result.refusal) {
            const reason = [result.refusal.message, ...result.refusal.problems].join(' ');
            log.warn(
              { event: 'run.refused', job: entry.job.name, mode: entry.mode, reason },
              entry.mode === 'dry-run' ? 'dry run: an apply would be refused' : 'scheduled run refused by a safety guard',
            );
          }
        } catch (error) {
          if (error instanceof LockHeldError) {
            log.warn({ event: 'run.skipped', job: entry.job.name, reason: error.message }, 'scheduled run skipped: lock held');
          } else {
            log.error({ event: 'run.failed', job: entry.job.name, error: (error as Error).message }, 'scheduled run failed; the scheduler goes on');
          }
        }
      })();
      inFlight.set(run, entry.job.name);
      await run.finally(() => inFlight.delete(run));
    };
    // noOverlap: a tick that comes while the previous run of this job is still going is skipped.
    tasks.push(cron.schedule(entry.expression, tick, { name: entry.job.name, timezone: entry.timezone, noOverlap: true, logger: cronLogger(log) }));
    log.info({ event: 'schedule.added', job: entry.job.name, schedule: entry.expression, timezone: entry.timezone ?? 'local', mode: entry.mode }, 'scheduled');
  }

  return {
    async stop(graceMs: number) {
      await Promise.all(tasks.map((t) => t.stop()));
      if (!inFlight.size) return { abandoned: 0 };
      log.info({ event: 'shutdown.waiting', runs: inFlight.size, graceMs }, 'waiting for in-flight runs');
      const drained = Promise.all([...inFlight.keys()]).then(() => true);
      const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
      if (await Promise.race([drained, timedOut])) return { abandoned: 0 };
      const count = inFlight.size;
      abort.abort();
      // The runner rolls back at its next step (a statement waiting on a lock ends within
      // lockTimeoutSeconds), logs its run.end and records the failure; give it that long.
      const settle = settings.lockTimeoutSeconds * 1000 + 5_000;
      if (!(await Promise.race([drained, new Promise<false>((r) => setTimeout(() => r(false), settle).unref())]))) {
        // Still stuck: the pool is closed next, the server rolls back, and the next run closes its row as interrupted.
        for (const job of inFlight.values()) {
          log.warn({ event: 'run.end', job, trigger: 'schedule', outcome: 'interrupted', reason: 'abandoned at shutdown' }, 'run abandoned at shutdown');
        }
      }
      return { abandoned: count };
    },
  };
}

/** node-cron's own messages, through our logger: everything on stderr is pino. */
function cronLogger(log: Logger) {
  const child = log.child({ component: 'node-cron' });
  return {
    info: (message: string) => child.info({ event: 'cron.info' }, message),
    warn: (message: string) => child.warn({ event: 'cron.warn' }, message),
    error: (message: string | Error, err?: Error) => child.error({ event: 'cron.error', err }, String(message)),
    debug: (message: string | Error, err?: Error) => child.debug({ event: 'cron.debug', err }, String(message)),
  };
}
