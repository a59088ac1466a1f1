import { CwMaintError, LockHeldError, SchemaCheckError, UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';

/** A guard's refusal is a result: the plan stands, the apply does not happen, the CLI exits 5. */
export interface Refusal {
  message: string;
  problems: string[];
}

/** What a finished run says in its run.end line. */
export interface RunSummary {
  runId: number | null;
  outcome: string;
  matched: number;
  changed: number;
  unchanged: number;
  reason?: string;
  message: string;
}

/** A finished run as its notifications see it: the facts of its run.end line. */
export interface RunEnd {
  runId: number | null;
  outcome: string;
  matched?: number;
  changed?: number;
  unchanged?: number;
  reason?: string;
}

/** What a run tells whoever asked to hear about it (src/notify), after its outcome is recorded. */
export interface FinishedRun extends RunEnd {
  job: string;
  mode: 'dry-run' | 'apply' | 'undo';
  trigger: 'manual' | 'schedule';
  /** Set on an undo: no job's heartbeat is pinged for it. */
  undoOf?: number;
}

/**
 * Every run, job or undo, dry or apply, logs exactly one run.start and one run.end line, whatever
 * its outcome (succeeded, refused, declined, locked, failed), for a log shipper. `after` runs once
 * the outcome is recorded and logged (notifications); it cannot change the outcome.
 */
export async function loggedRun<T>(
  log: Logger,
  describeStatementError: (error: unknown) => string,
  run: (seen: { runId: number | null }) => Promise<T>,
  summarize: (result: T) => RunSummary,
  after?: (end: RunEnd) => Promise<void>,
): Promise<T> {
  const startedAt = Date.now();
  const seen: { runId: number | null } = { runId: null };
  const afterwards = (end: RunEnd) => after?.(end).catch((error: unknown) => log.error({ event: 'notify.failed', error: String((error as Error)?.message ?? error) }, 'notification failed'));
  log.info({ event: 'run.start' }, 'run started');
  let result: T;
  try {
    result = await run(seen);
  } catch (error) {
    const outcome = error instanceof LockHeldError ? 'locked' : error instanceof SchemaCheckError || error instanceof UsageError ? 'refused' : 'failed';
    const reason = describe(error, describeStatementError);
    log[outcome === 'failed' ? 'error' : 'warn']({ event: 'run.end', runId: seen.runId, outcome, error: reason, durationMs: Date.now() - startedAt }, `run ${outcome}`);
    await afterwards({ runId: seen.runId, outcome, reason });
    throw error;
  }
  const { message, ...summary } = summarize(result);
  log[summary.outcome === 'refused' ? 'warn' : 'info']({ event: 'run.end', ...summary, durationMs: Date.now() - startedAt }, message);
  await afterwards(summary);
  return result;
}

/** One line for the run table and the logs. */
export function describe(error: unknown, fallback: (e: unknown) => string = (e) => String((e as Error)?.message ?? e)): string {
  if (error instanceof CwMaintError) return [error.message, ...error.details].join(' ');
  if (isRefusal(error)) return [error.message, ...error.problems].join(' ');
  return fallback(error);
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'problems' in value && 'message' in value;
}
