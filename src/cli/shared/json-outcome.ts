import { CommanderError } from 'commander';
import { CwMaintError, ExitCode, LockHeldError, NotConfirmedError, SchemaCheckError, UsageError } from '../../errors.js';
import type { CliIo } from './io.js';

/** Errors whose --json object a verb has printed already (with its own facts: job, mode, ...). */
const printed = new WeakSet<object>();

/** A verb that printed its --json object and then fails (migrations-check: exit 3 after its report). */
export function jsonPrinted<E>(error: E): E {
  if (typeof error === 'object' && error !== null) printed.add(error);
  return error;
}

/** The run.end outcome an error means: the same words as the log's. */
export function outcomeOf(error: unknown): 'refused' | 'locked' | 'declined' | 'failed' {
  if (error instanceof LockHeldError) return 'locked';
  if (error instanceof NotConfirmedError) return 'declined';
  if (error instanceof UsageError || error instanceof SchemaCheckError || (error instanceof CommanderError && error.exitCode !== 0)) return 'refused';
  if (error instanceof CwMaintError && error.exitCode !== ExitCode.runtime) return 'refused';
  return 'failed';
}

export function exitCodeOfError(error: unknown): number {
  if (error instanceof CwMaintError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  return ExitCode.runtime;
}

/**
 * `--json` prints exactly one object for every outcome: a command that fails or is refused prints
 * `{ ...facts, outcome, reason, problems, exitCode }` on stdout (the message goes to stderr too).
 */
export function printJsonFailure(io: Pick<CliIo, 'stdout'>, error: unknown, facts: Record<string, unknown> = {}): void {
  if (typeof error === 'object' && error !== null) {
    if (printed.has(error)) return;
    printed.add(error);
  }
  const reason = error instanceof Error ? error.message : String(error);
  const problems = error instanceof CwMaintError ? [...error.details] : [];
  io.stdout.write(`${JSON.stringify({ ...facts, outcome: outcomeOf(error), reason, problems, exitCode: exitCodeOfError(error) })}\n`);
}
