import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseHandle } from '../../db/connect.js';
import { ConnectionError, CwMaintError, OutcomeUnknownError, RunFailedError } from '../../errors.js';
import { closeInterruptedRuns, failRunIfRunning, finishRun, recordRun, runStatus, startRun, type RunStart } from '../../journal/run-record.js';
import type { Logger } from '../../log.js';
import type { ReportRow } from '../../report/report-file.js';
import { changeDigest, journalDigest } from './change-digest.js';
import type { PipelineRequest, PipelineResult, PreparedRun, RunKind } from './run-kind.js';
import { describe, loggedRun } from './run-log.js';
import { CommitUnknownError, withRunLock } from './run-lock.js';

/** A prompt left open this long is a "no": a confirmation is for the data as it was then. */
export const PROMPT_TIMEOUT_MS = 10 * 60_000;

/**
 * The one code path of every run, whatever its kind (a job, an undo): prepare -> (check) ->
 * plan -> guards -> (confirm) -> lock, run row -> plan and guards again -> one transaction that
 * writes the change, its journal and the run's outcome -> report, with exactly one run.start and
 * one run.end line and the notification after the outcome is recorded. A dry run reads only: no
 * lock, no transaction, and its history row only where cw-maint's tables exist.
 */
export async function executeRun<P>(handle: DatabaseHandle, kind: RunKind<P>, request: PipelineRequest<P>): Promise<PipelineResult<P>> {
  const log = request.log.child({ ...kind.logFields, mode: request.mode, trigger: request.trigger });
  const { job, undoOf, applyMode } = kind.notifyAs;
  return loggedRun(
    log,
    handle.adapter.driver.describeStatementError,
    (seen) => runPipeline(handle, kind, request, log, seen),
    (result) => kind.summarize(result, request.mode),
    request.notify &&
      ((end) => request.notify!({ ...end, job, mode: request.mode === 'apply' ? applyMode : 'dry-run', trigger: request.trigger, ...(undoOf === undefined ? {} : { undoOf }) })),
  );
}

async function runPipeline<P>(
  handle: DatabaseHandle,
  kind: RunKind<P>,
  request: PipelineRequest<P>,
  log: Logger,
  seen: { runId: number | null },
): Promise<PipelineResult<P>> {
  const { db, adapter } = handle;
  const schema = request.settings.journalSchema;
  const prepared = await kind.prepare(handle, log);
  const start: RunStart = { ...prepared.start, mode: request.mode === 'apply' ? kind.notifyAs.applyMode : 'dry-run', trigger: request.trigger };
  try {
    await prepared.check?.();
  } catch (error) {
    // A refused run is part of the audit trail too, wherever cw-maint's tables exist to hold it.
    if (error instanceof CwMaintError && prepared.historyWritable) {
      seen.runId = await recordRun(db, adapter, schema, start, { status: 'refused', error: describe(error) }).catch(() => null);
    }
    throw error;
  }

  if (request.mode === 'dry-run') {
    // A dry run shows its plan even when an apply would be refused: that is what a DBA checks
    // before a change window. The refusal comes back with the plan.
    const plan = await prepared.plan(db);
    const refusal = await prepared.guard?.(db, plan);
    const runId = prepared.historyWritable
      ? await recordRun(db, adapter, schema, start, { status: refusal ? 'refused' : 'succeeded', ...prepared.counts(plan), error: refusal ? describe(refusal) : undefined })
      : null;
    seen.runId = runId;
    // The report is what a dry run is for: a report that cannot be written fails the command (exit 1).
    await request.report?.(prepared.plannedRows(db, plan), { runId });
    return { outcome: refusal ? 'refused' : 'succeeded', runId, plan, changed: 0, historyWritten: prepared.historyWritable, refusal };
  }

  // A person's yes: planned and asked without the lock, so that a prompt left open blocks nobody.
  // Under the lock the apply must then change exactly the rows confirmed, or nothing.
  let confirmed: string | undefined;
  if (request.confirm) {
    const plan = await prepared.plan(db);
    const counts = prepared.counts(plan);
    const refusal = await prepared.guard?.(db, plan);
    if (refusal) {
      seen.runId = await recordRun(db, adapter, schema, start, { status: 'refused', ...counts, changed: 0, error: describe(refusal) });
      return { outcome: 'refused', runId: seen.runId, plan, changed: 0, historyWritten: true, refusal };
    }
    // What the person is shown is what they confirm: the digest of every row to change, taken now.
    const shown = await changeDigest(prepared.changingRows(db, plan));
    if (!(await promptAnswer(request.confirm(plan), request.promptTimeoutMs ?? PROMPT_TIMEOUT_MS))) {
      seen.runId = await recordRun(db, adapter, schema, start, { status: 'declined', ...counts, changed: 0, error: 'not confirmed at the prompt' });
      return { outcome: 'declined', runId: seen.runId, plan, changed: 0, historyWritten: true };
    }
    confirmed = shown;
  }

  const applied = await applyUnderLock(handle, prepared, request, start, confirmed, log, seen);
  await request.hooks?.afterCommit?.();
  // After the commit: the report shows what was changed, from the journal. It cannot change the outcome.
  return applied.outcome === 'succeeded' ? withReport(applied, request, log, () => prepared.appliedRows(db, applied.runId!, applied.plan)) : applied;
}

/**
 * Under the run lock, in one transaction: the run row (seen by others at once), the plan and the
 * guards again, the change and its journal, and the run's final status, counts and end time. So
 * a kill at any instant leaves either nothing changed (and a row the next apply closes as
 * interrupted) or everything changed, journaled and recorded as succeeded.
 */
async function applyUnderLock<P>(
  handle: DatabaseHandle,
  prepared: PreparedRun<P>,
  request: PipelineRequest<P>,
  start: RunStart,
  confirmed: string | undefined,
  log: Logger,
  seen: { runId: number | null },
): Promise<PipelineResult<P>> {
  const { db, adapter } = handle;
  const schema = request.settings.journalSchema;
  let runId: number | undefined;
  let planned: P | undefined;
  let counts: ReturnType<PreparedRun<P>['counts']> | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withRunLock(handle, schema, async ({ trx, side, session }): Promise<PipelineResult<P>> => {
        // Holding the lock, no other apply can be running: rows still marked running are dead.
        const interrupted = await closeInterruptedRuns(side, schema, runId);
        if (interrupted.length) log.warn({ event: 'run.interrupted_found', runs: interrupted }, `closed ${interrupted.length} run(s) left running by a process that ended`);
        await prepared.underLock?.(trx);
        // The run row comes first, so a second apply that finds the lock held can name this run.
        runId ??= await startRun(side, adapter, schema, { ...start, sessionId: session });
        seen.runId = runId;
        const plan = await prepared.plan(trx);
        planned = plan;
        counts = prepared.counts(plan);
        const refusal = await prepared.guard?.(trx, plan);
        if (refusal) {
          await finishRun(trx, schema, runId, { status: 'refused', ...counts, changed: 0, error: describe(refusal) });
          return { outcome: 'refused', runId, plan, changed: 0, historyWritten: true, refusal };
        }
        if (confirmed !== undefined && (await changeDigest(prepared.changingRows(trx, plan))) !== confirmed) throw dataChanged();
        await request.hooks?.afterPlan?.();
        if (prepared.succeedsUnchanged && counts.changed === 0) {
          // The steady state: nothing differs, so no journal or update is needed.
          await finishRun(trx, schema, runId, { status: 'succeeded', ...counts, changed: 0 });
          return { outcome: 'succeeded', runId, plan, changed: 0, historyWritten: true };
        }
        const changed = await prepared.apply(trx, { runId, plan, signal: request.signal, afterJournal: request.hooks?.afterJournal });
        // Compare-and-set: the rows written, with their values before, are exactly the ones confirmed
        // (an apply of planned rows compared each in its UPDATE, and counts them).
        if (confirmed !== undefined && !prepared.appliesPlannedRows?.(planned!) && (await journalDigest(trx, schema, runId)) !== confirmed) throw dataChanged();
        await finishRun(trx, schema, runId, { status: 'succeeded', ...counts, changed });
        return { outcome: 'succeeded', runId, plan, changed, historyWritten: true };
      });
    } catch (error) {
      if (error instanceof CommitUnknownError) return afterUnansweredCommit(handle, prepared, request, runId!, planned!, error, log);
      // A deadlock victim was rolled back whole, lock included: the same apply is tried again, as configured.
      if (runId !== undefined && adapter.driver.classifyError(error) === 'deadlock' && attempt < prepared.deadlockRetries) {
        log.warn({ event: 'run.retry', runId, attempt: attempt + 1, reason: 'deadlock victim' }, 'chosen as a deadlock victim; rolled back, trying again');
        continue;
      }
      if (runId === undefined) throw error;
      const message = explain(error, handle, request.settings);
      // On another connection from the pool: the one that failed may be dead (and so may idle ones,
      // after a server-side kill: each failed try drops one).
      await bestEffort(3, () => failRunIfRunning(db, schema, runId!, { ...counts, changed: 0, error: message })).catch((e: unknown) =>
        log.warn({ event: 'run.record_failed', runId, error: String((e as Error)?.message ?? e) }, 'could not record the failure; the next apply closes the run as interrupted'),
      );
      // A lost connection is a failure of this run: said as one, rolled back by the server.
      if (error instanceof CwMaintError && !(error instanceof ConnectionError)) throw error;
      throw new RunFailedError(`${prepared.failedAndRolledBack}: ${message}`, [], { cause: error });
    }
  }
}

/**
 * COMMIT was sent and its answer lost. The run row was written in the same transaction, so it
 * says what happened: read on a new connection. Never "rolled back" unless it was.
 */
async function afterUnansweredCommit<P>(
  handle: DatabaseHandle,
  prepared: PreparedRun<P>,
  request: PipelineRequest<P>,
  runId: number,
  plan: P,
  error: CommitUnknownError,
  log: Logger,
): Promise<PipelineResult<P>> {
  const schema = request.settings.journalSchema;
  const row = await bestEffort(3, () => runStatus(handle.db, schema, runId)).catch(() => undefined);
  if (!row) {
    throw new OutcomeUnknownError(
      `${error.message}, and the database could not be reached again: whether run ${runId} applied is unknown. Run \`npm run job -- show ${runId}\` when the server is back.`,
      [],
      { cause: error.reason },
    );
  }
  if (row.status === 'succeeded') {
    log.warn({ event: 'run.commit_unanswered', runId }, `${error.message}; run ${runId} is recorded as succeeded, so it committed`);
    return { outcome: 'succeeded', runId, plan, changed: Number(row.changed ?? 0), historyWritten: true };
  }
  const message = `${error.message}; the server rolled it back (run ${runId} is not recorded as succeeded)`;
  await bestEffort(3, () => failRunIfRunning(handle.db, schema, runId, { changed: 0, error: message })).catch(() => undefined);
  throw new RunFailedError(`${prepared.failedAndRolledBack}: ${message}`, [], { cause: error.reason });
}

/** An apply's report, after its COMMIT: a failure to write it is said (exit 6), and never changes the outcome. */
async function withReport<P>(result: PipelineResult<P>, request: PipelineRequest<P>, log: Logger, rows: () => AsyncIterable<ReportRow>): Promise<PipelineResult<P>> {
  if (!request.report) return result;
  try {
    await request.report(rows(), { runId: result.runId });
    return result;
  } catch (error) {
    const reason = String((error as Error)?.message ?? error);
    log.warn({ event: 'report.failed', runId: result.runId, error: reason }, `the report could not be written; the run ${result.outcome} all the same`);
    return { ...result, reportError: reason };
  }
}

/** `fn`, tried up to `tries` times: a pooled connection found dead is dropped by its failure, and the next try gets another. */
async function bestEffort<T>(tries: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= tries) throw error;
    }
  }
}

/** The answer at the prompt, or "no" once it has waited `timeoutMs`. */
async function promptAnswer(answer: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const expired = new AbortController();
  try {
    return await Promise.race([answer, sleep(timeoutMs, false, { signal: expired.signal }).catch(() => false)]);
  } finally {
    expired.abort();
  }
}

function dataChanged(): RunFailedError {
  return new RunFailedError('The data changed since the confirmation: the rows to change, or their values, are not the ones you confirmed. Rolled back, nothing was applied; run again to see the new plan.');
}

/** A failed statement, said so that a DBA knows what to do about it. */
function explain(error: unknown, handle: DatabaseHandle, settings: PipelineRequest<unknown>['settings']): string {
  const text = describe(error, handle.adapter.driver.describeStatementError);
  switch (handle.adapter.driver.classifyError(error)) {
    case 'lock-timeout':
      return `lock timeout: a row it needed was locked by another session for more than ${settings.lockTimeoutSeconds} s (someone editing in ConnectWise?); try again later, or raise lockTimeoutSeconds (${text})`;
    case 'statement-timeout':
      return `statement timeout: a statement ran longer than ${settings.statementTimeoutSeconds} s; raise statementTimeoutSeconds if the database is that slow (${text})`;
    case 'deadlock':
      return `deadlock victim ${settings.deadlockRetries + 1} time(s); try again later (${text})`;
    default:
      return text;
  }
}
