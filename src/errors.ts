/**
 * Every expected failure is one of these classes. Each carries the exit code that cron and
 * Task Scheduler alert on (documented in the README); `src/cli/exit.ts` is the one place that
 * turns them into a message and a process exit.
 */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  schema: 3,
  locked: 4,
  guard: 5,
  /** The run's outcome stands (an apply committed), but its --report could not be written afterwards. */
  reportFailed: 6,
  /** The connection was lost during COMMIT and could not be read back: whether the run applied is unknown. */
  outcomeUnknown: 7,
  /** A saved plan does not apply here, or no longer: another database or build, unrecorded, applied already, too old. */
  planRefused: 8,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CwMaintError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Lines printed after the message (one problem per line), so all problems show at once. */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Bad command line, bad config file, bad parameter values. Nothing was connected to. */
export class UsageError extends CwMaintError {
  readonly exitCode = ExitCode.usage;
}

/** The database could not be reached or refused us (wrong host, bad credentials). */
export class ConnectionError extends CwMaintError {
  readonly exitCode = ExitCode.runtime;
}

/** A statement failed during a run; whatever it did was rolled back. */
export class RunFailedError extends CwMaintError {
  readonly exitCode = ExitCode.runtime;
}

/** The ConnectWise schema is not one we know, or cw-maint's own tables are not migrated. */
export class SchemaCheckError extends CwMaintError {
  readonly exitCode = ExitCode.schema;
}

/** Another apply holds the run lock. */
export class LockHeldError extends CwMaintError {
  readonly exitCode = ExitCode.locked;
}

/** A safety guard refused the run before any write. */
export class GuardRefusedError extends CwMaintError {
  readonly exitCode = ExitCode.guard;
}

/** COMMIT was sent but no answer came, and the run row could not be read back: `show <runId>` tells. */
export class OutcomeUnknownError extends CwMaintError {
  readonly exitCode = ExitCode.outcomeUnknown;
}

/** A saved plan (apply FILE) was refused before any write: it does not belong to this database and build, or no longer stands. */
export class PlanRefusedError extends CwMaintError {
  readonly exitCode = ExitCode.planRefused;
}

/** A --report file could not be written or put in place (a file another program holds open). */
export class ReportFileError extends CwMaintError {
  readonly exitCode = ExitCode.runtime;
}

/** The operator answered "no" at the confirmation prompt. Not an error, but nothing was applied. */
export class NotConfirmedError extends CwMaintError {
  readonly exitCode = ExitCode.ok;
}
