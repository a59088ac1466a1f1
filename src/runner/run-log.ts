import { CwMaintError, LockHeldError, SchemaCheckError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Refusal } from './guards.js';

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

/**
 * Every run, job or undo, dry or apply, logs exactly one run.start and one run.end line, whatever
 * its outcome (succeeded, refused, declined, locked, failed), for a log shipper.
 */
export async function loggedRun<T>(
  log: Logger,
  describeStatementError: (error: unknown) => string,
  run: (seen: { runId: number | null }) => Promise<T>,
  summarize: (result: T) => RunSummary,
): Promise<T> {
  const startedAt = Date.now();
  const seen: { runId: number | null } = { runId: null };
  log.info({ event: 'run.start' }, 'run started');
  try {
    const result = await run(seen);
    const { message, ...summary } = summarize(result);
    log[summary.outcome === 'refused' ? 'warn' : 'info']({ event: 'run.end', ...summary, durationMs: Date.now() - startedAt }, message);
    return result;
  } catch (error) {
    const outcome = error instanceof LockHeldError ? 'locked' : error instanceof SchemaCheckError || error instanceof UsageError ? 'refused' : 'failed';
    log[outcome === 'failed' ? 'error' : 'warn'](
      { event: 'run.end', runId: seen.runId, outcome, error: describe(error, describeStatementError), durationMs: Date.now() - startedAt },
      `run ${outcome}`,
    );
    throw error;
  }
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
