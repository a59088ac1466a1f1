import cron, { type ScheduledTask } from 'node-cron';
import type { DatabaseHandle } from '../db/connect.js';
import { LockHeldError } from '../errors.js';
import type { Logger } from '../log.js';
import { runJob, type RunHooks, type RunSettings } from '../runner/run-job.js';
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
): Scheduler {
  const inFlight = new Set<Promise<void>>();
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
      inFlight.add(run);
      await run.finally(() => inFlight.delete(run));
    };
    // noOverlap: a tick that comes while the previous run of this job is still going is skipped.
    tasks.push(cron.schedule(entry.expression, tick, { name: entry.job.name, timezone: entry.timezone, noOverlap: true }));
    log.info({ event: 'schedule.added', job: entry.job.name, schedule: entry.expression, timezone: entry.timezone ?? 'local', mode: entry.mode }, 'scheduled');
  }

  return {
    async stop(graceMs: number) {
      await Promise.all(tasks.map((t) => t.stop()));
      if (!inFlight.size) return { abandoned: 0 };
      log.info({ event: 'shutdown.waiting', runs: inFlight.size, graceMs }, 'waiting for in-flight runs');
      const drained = Promise.all([...inFlight]).then(() => true);
      const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
      if (await Promise.race([drained, timedOut])) return { abandoned: 0 };
      const count = inFlight.size;
      abort.abort();
      // The runner rolls back at its next step; give it a moment to do so cleanly.
      await Promise.race([drained, new Promise((r) => setTimeout(r, 5_000).unref())]);
      return { abandoned: count };
    },
  };
}
