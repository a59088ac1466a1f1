import { setTimeout as sleep } from 'node:timers/promises';
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

export interface SchedulerOptions {
  hooks?: RunHooks;
  notify?: RunRequest['notify'];
  /** How long a run waits, polling, for a run lock another process holds (default: settings' lockWaitSeconds). */
  lockWaitMs?: number;
  /** Between two tries of a held lock, this long give or take a third (default 5 s). */
  pollMs?: number;
  /** Records a run that never ran (lock held too long, an overlap, a missed tick), and tells about it. */
  skipped?: (entry: ScheduleEntry, reason: string) => Promise<void>;
}

/**
 * Fires the same runner the CLI uses for every scheduled job, one run at a time in this process:
 * the ticks of one instant are collected and run in config order (node-cron promises no order
 * among tasks due in the same second), one after the other, so that two applies due together
 * both run. A lock held by another process (a run by hand, another host) is tried again, with
 * jitter and no connection held in between, up to lockWaitMs; a run still locked out, a tick
 * that comes while the same job is still waiting, and a tick node-cron missed are recorded as
 * skipped. A failing run is logged and the scheduler goes on. node-cron's task.stop() does not
 * wait for a running execution, so in-flight runs are tracked here.
 */
export function startScheduler(handle: DatabaseHandle, entries: ScheduleEntry[], settings: RunSettings, log: Logger, options: SchedulerOptions = {}): Scheduler {
  const abort = new AbortController();
  const tasks: ScheduledTask[] = [];
  const lockWaitMs = options.lockWaitMs ?? (settings.lockWaitSeconds ?? 300) * 1000;
  const pollMs = options.pollMs ?? 5_000;
  const skip = async (entry: ScheduleEntry, reason: string) => {
    log.warn({ event: 'run.skipped', job: entry.job.name, reason }, 'scheduled run skipped');
    await options.skipped?.(entry, reason).catch((error: unknown) => log.warn({ event: 'run.skip_not_recorded', job: entry.job.name, error: String((error as Error)?.message ?? error) }, 'could not record the skipped run'));
  };

  // The queue: at most one pending run per job; one worker runs them in order.
  const pending: ScheduleEntry[] = [];
  let current: string | undefined;
  let worker: Promise<void> | undefined;
  let stopping = false;
  const order = (entry: ScheduleEntry) => entries.indexOf(entry);

  const runOne = async (entry: ScheduleEntry) => {
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        const result = await runJob(handle, {
          job: entry.job,
          params: entry.params,
          mode: entry.mode,
          trigger: 'schedule',
          settings,
          log,
          hooks: options.hooks,
          signal: abort.signal,
          notify: options.notify,
        });
        if (result.refusal) {
          const reason = [result.refusal.message, ...result.refusal.problems].join(' ');
          log.warn({ event: 'run.refused', job: entry.job.name, mode: entry.mode, reason }, entry.mode === 'dry-run' ? 'dry run: an apply would be refused' : 'scheduled run refused by a safety guard');
        }
        return;
      } catch (error) {
        if (!(error instanceof LockHeldError)) {
          log.error({ event: 'run.failed', job: entry.job.name, error: (error as Error).message }, 'scheduled run failed; the scheduler goes on');
          return;
        }
        const wait = pollMs * (2 / 3 + Math.random() * 2 / 3);
        if (stopping || Date.now() + wait > deadline) {
          await skip(entry, `the run lock was held for more than ${Math.round(lockWaitMs / 1000)} s (lockWaitSeconds): ${error.message}`);
          return;
        }
        log.info({ event: 'run.lock_wait', job: entry.job.name, reason: error.message }, 'run lock held by another process; trying again');
        await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  };

  const drain = async () => {
    // The ticks of one instant arrive within the same few milliseconds: let them all in, then sort.
    await sleep(20);
    while (pending.length && !stopping) {
      pending.sort((a, b) => order(a) - order(b));
      const entry = pending.shift()!;
      current = entry.job.name;
      await runOne(entry);
      current = undefined;
    }
    worker = undefined;
  };

  for (const entry of entries) {
    const tick = () => {
      if (stopping) return;
      if (pending.includes(entry)) {
        void skip(entry, 'its previous tick is still waiting to run (at most one pending run per job)');
        return;
      }
      pending.push(entry);
      worker ??= drain();
    };
    const task = cron.schedule(entry.expression, tick, { name: entry.job.name, timezone: entry.timezone, logger: cronLogger(log) });
    task.on('execution:missed', () => void skip(entry, 'node-cron missed the tick (the process was stalled)'));
    task.on('execution:overlap', () => void skip(entry, 'node-cron saw the previous tick still running'));
    tasks.push(task);
    log.info({ event: 'schedule.added', job: entry.job.name, schedule: entry.expression, timezone: entry.timezone ?? 'local', mode: entry.mode }, 'scheduled');
  }

  return {
    async stop(graceMs: number) {
      stopping = true;
      await Promise.all(tasks.map((t) => t.stop()));
      pending.length = 0;
      const running = worker;
      if (!running) return { abandoned: 0 };
      log.info({ event: 'shutdown.waiting', runs: 1, graceMs }, 'waiting for in-flight runs');
      const drained = running.then(() => true);
      const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
      if (await Promise.race([drained, timedOut])) return { abandoned: 0 };
      abort.abort();
      // The runner rolls back at its next step (a statement waiting on a lock ends within
      // lockTimeoutSeconds), logs its run.end and records the failure; give it that long.
      const settle = settings.lockTimeoutSeconds * 1000 + 5_000;
      if (!(await Promise.race([drained, new Promise<false>((r) => setTimeout(() => r(false), settle).unref())]))) {
        // Still stuck: the pool is closed next, the server rolls back, and the next run closes its row as interrupted.
        log.warn({ event: 'run.end', job: current, trigger: 'schedule', outcome: 'interrupted', reason: 'abandoned at shutdown' }, 'run abandoned at shutdown');
      }
      return { abandoned: 1 };
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
