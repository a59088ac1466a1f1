import type { Kysely, Transaction } from 'kysely';
import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import type { Database } from '../../db/model/schema.js';
import type { RunStart } from '../../journal/run-record.js';
import type { Logger } from '../../log.js';
import type { ReportRow } from '../../report/report-file.js';
import type { FinishedRun, Refusal, RunSummary } from './run-log.js';

export type { Refusal } from './run-log.js';

/** What a plan would change, as the run row and the run.end line count it. */
export interface RunCounts {
  matched: number;
  changed: number;
  unchanged: number;
}

/**
 * One kind of run through the pipeline (src/run/pipeline/run-pipeline.ts): a job, an undo, or
 * any other change of dbo.Contact. The pipeline owns the skeleton: run.start and run.end, the run
 * lock, the run row, the prompt, the transaction, deadlock retries, the outcome, the report and
 * the notification. A kind says only what differs: how it is checked, planned, guarded and
 * applied, and which rows its report holds. Adding a kind of run adds one of these, not a copy.
 */
export interface RunKind<P> {
  /** Fields of every log line of the run ({ job }, { job: 'undo', undoOf }). */
  readonly logFields: Record<string, unknown>;
  /** What the notification names the run as. */
  readonly notifyAs: Pick<FinishedRun, 'job' | 'undoOf'> & { applyMode: 'apply' | 'undo' };
  /**
   * Everything read and checked before a run row exists: the preflight, the parameters, the run
   * to undo. Throws a CwMaintError when the run cannot go ahead; see PreparedRun.refusalsRecorded.
   */
  prepare(handle: DatabaseHandle, log: Logger): Promise<PreparedRun<P>>;
  /** The run.end line's counts and message (dry run: what would change). */
  summarize(result: PipelineResult<P>, mode: RunMode): RunSummary;
}

export type RunMode = 'dry-run' | 'apply';

export interface PreparedRun<P> {
  /** The run row's facts (job, params, ticket, the run undone); its mode and trigger come from the request. */
  start: Omit<RunStart, 'mode' | 'trigger'>;
  /** cw-maint's tables exist at this build's migration: a dry run records its row only then. */
  historyWritable: boolean;
  /**
   * Checks that a run row records as `refused` when they fail (where history is writable): a
   * parameter value that does not exist. Checks in `prepare` itself refuse without a row.
   */
  check?(): Promise<void>;
  plan(db: Kysely<Database>): Promise<P>;
  /**
   * Every row the plan would change, with its value before (what an apply journals as old_value),
   * lowest Contact_RecID first: what a person's yes at the prompt confirms (the digest).
   */
  changingRows(db: Kysely<Database>, plan: P): AsyncIterable<{ id: number; before: number | null }>;
  /**
   * true: the apply takes exactly the rows this plan listed, each compared with its before-value in
   * the UPDATE itself, so what it journals is what changingRows gave (no read-back).
   */
  appliesPlannedRows?(plan: P): boolean;
  /** Checks again under the run lock, in its transaction, what another run could have changed meanwhile. */
  underLock?(trx: Kysely<Database>): Promise<void>;
  counts(plan: P): RunCounts;
  /** The guards, after the plan: a refusal stops an apply before any write. */
  guard?(db: Kysely<Database>, plan: P): Promise<Refusal | undefined>;
  /** true: a plan that changes nothing succeeds without a transaction (the steady state). */
  succeedsUnchanged?: boolean;
  /** Writes and journals inside the one transaction, and returns the rows changed; throws to roll back. */
  apply(trx: Transaction<Database>, step: ApplyStep<P>): Promise<number>;
  /** How often an apply chosen as a deadlock victim (rolled back whole) is tried again. */
  deadlockRetries: number;
  /** "revoke-inactive failed and was rolled back": said before the reason of an unexpected failure. */
  failedAndRolledBack: string;
  /** --report of a dry run: the rows it would change. */
  plannedRows(db: Kysely<Database>, plan: P): AsyncIterable<ReportRow>;
  /** --report of an apply, after the commit: the rows it changed. */
  appliedRows(db: Kysely<Database>, runId: number, plan: P): AsyncIterable<ReportRow>;
}

export interface ApplyStep<P> {
  runId: number;
  plan: P;
  /** Aborted by a shutdown that ran out of grace: roll back at the next step. */
  signal?: AbortSignal;
  /** Test seam: inside the transaction, after the first batch is written. */
  afterJournal?: (signal?: AbortSignal) => Promise<void>;
}

/** Test seams, passed in by the tests themselves: no environment variable reaches them. */
export interface RunHooks {
  /** After the plan, outside the transaction. */
  afterPlan?: () => Promise<void>;
  /** Inside the apply transaction, after the journal insert. */
  afterJournal?: (signal?: AbortSignal) => Promise<void>;
  /** After the COMMIT, before the report and the notification. */
  afterCommit?: () => Promise<void>;
}

/** What every kind of run is asked with. */
export interface PipelineRequest<P> {
  mode: RunMode;
  trigger: 'manual' | 'schedule';
  settings: RunSettings;
  log: Logger;
  /**
   * Asked after the plan, before an apply (interactive runs), without the run lock held: the apply
   * then changes exactly the rows confirmed, or nothing. false: nothing is applied.
   */
  confirm?: (plan: P) => Promise<boolean>;
  /** A prompt left open this long counts as a "no" (default 10 minutes). */
  promptTimeoutMs?: number;
  hooks?: RunHooks;
  /** Aborting rolls an in-flight apply back at its next step (graceful shutdown). */
  signal?: AbortSignal;
  /** --report: receives every row planned (dry run) or changed (apply, after the commit), streamed, and the run's id. */
  report?: (rows: AsyncIterable<ReportRow>, run?: { runId: number | null }) => Promise<unknown>;
  /** Told once the outcome is recorded (src/notify); bounded by its own timeout, it never changes the outcome. */
  notify?: (run: FinishedRun) => Promise<void>;
}

export type PipelineOutcome = 'succeeded' | 'refused' | 'declined';

export interface PipelineResult<P> {
  /** succeeded; refused by a guard (for a dry run: an apply would be); declined at the prompt. */
  outcome: PipelineOutcome;
  runId: number | null;
  plan: P;
  /** Rows changed (0 for a dry run). */
  changed: number;
  /** false when cw-maint's tables are not migrated yet (dry runs still work). */
  historyWritten: boolean;
  refusal?: Refusal;
  /** The outcome stands, but the --report could not be written afterwards (why). */
  reportError?: string;
}
