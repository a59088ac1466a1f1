import type { DatabaseHandle } from '../../db/connect.js';
import { CwMaintError, RunFailedError } from '../../errors.js';
import { closeInterruptedRuns, finishRun, recordRun, startRun } from '../../journal/run-record.js';
import type { Logger } from '../../log.js';
import type { PipelineRequest, PipelineResult, PreparedRun, RunKind } from './run-kind.js';
import { describe, loggedRun } from './run-log.js';
import { withRunLock } from './run-lock.js';
import { inTransaction } from './transaction.js';

/**
 * The one code path of every run, whatever its kind (a job, an undo): prepare -> (check) ->
 * plan -> guards -> (lock, run row) -> (confirm) -> one transaction -> outcome -> report, with
 * exactly one run.start and one run.end line and the notification after the outcome is recorded.
 * A dry run reads only: no lock, no transaction, and its history row only where cw-maint's
 * tables exist.
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
  const start = { ...prepared.start, mode: request.mode === 'apply' ? kind.notifyAs.applyMode : ('dry-run' as const), trigger: request.trigger };
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
    await request.report?.(prepared.plannedRows(db, plan), { runId });
    return { outcome: refusal ? 'refused' : 'succeeded', runId, plan, changed: 0, historyWritten: prepared.historyWritable, refusal };
  }

  const early = prepared.planBeforeLock ? await prepared.plan(db) : undefined;
  const applied = await withRunLock(handle, schema, async (conn): Promise<PipelineResult<P>> => {
    // Holding the lock, no other apply can be running: rows still marked running are dead.
    const interrupted = await closeInterruptedRuns(conn, schema);
    if (interrupted.length) log.warn({ event: 'run.interrupted_found', runs: interrupted }, `closed ${interrupted.length} run(s) left running by a process that ended`);
    // The run row comes first, so a second apply that finds the lock held can name this run.
    const runId = await startRun(conn, adapter, schema, start);
    seen.runId = runId;
    let plan = early;
    try {
      plan ??= await prepared.plan(conn);
      const counts = prepared.counts(plan);
      const refusal = await prepared.guard?.(conn, plan);
      if (refusal) {
        await finishRun(conn, schema, runId, { status: 'refused', ...counts, changed: 0, error: describe(refusal) });
        return { outcome: 'refused', runId, plan, changed: 0, historyWritten: true, refusal };
      }
      if (request.confirm && !(await request.confirm(plan))) {
        await finishRun(conn, schema, runId, { status: 'declined', ...counts, changed: 0, error: 'not confirmed at the prompt' });
        return { outcome: 'declined', runId, plan, changed: 0, historyWritten: true };
      }
      await request.hooks?.afterPlan?.();
      if (prepared.succeedsUnchanged && counts.changed === 0) {
        // The steady state: nothing differs, so no transaction, journal or update is needed.
        await finishRun(conn, schema, runId, { status: 'succeeded', ...counts, changed: 0 });
        return { outcome: 'succeeded', runId, plan, changed: 0, historyWritten: true };
      }
      const changed = await applyWithRetries(handle, prepared, conn, { runId, plan, signal: request.signal, afterJournal: request.hooks?.afterJournal }, log.child({ runId }));
      await finishRun(conn, schema, runId, { status: 'succeeded', ...counts, changed });
      return { outcome: 'succeeded', runId, plan, changed, historyWritten: true };
    } catch (error) {
      const message = explain(error, handle, request.settings);
      // Best effort: after a lost connection this fails too, and the row stays 'running' (shown as interrupted).
      await finishRun(conn, schema, runId, { status: 'failed', ...(plan ? prepared.counts(plan) : {}), changed: 0, error: message }).catch(() => undefined);
      if (error instanceof CwMaintError) throw error;
      throw new RunFailedError(`${prepared.failedAndRolledBack}: ${message}`, [], { cause: error });
    }
  });
  // After the commit, outside the run's own error handling: the report shows what was changed,
  // from the journal. A report that cannot be written fails the command, not the run.
  if (applied.outcome === 'succeeded') await request.report?.(prepared.appliedRows(db, applied.runId!, applied.plan), { runId: applied.runId });
  return applied;
}

/** One transaction; a deadlock victim was rolled back whole, so the same apply is tried again, as configured. */
async function applyWithRetries<P>(handle: DatabaseHandle, prepared: PreparedRun<P>, conn: Parameters<typeof inTransaction>[0], step: Parameters<PreparedRun<P>['apply']>[1], log: Logger): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await inTransaction(conn, (trx) => prepared.apply(trx, step));
    } catch (error) {
      if (handle.adapter.driver.classifyError(error) !== 'deadlock' || attempt >= prepared.deadlockRetries) throw error;
      log.warn({ event: 'run.retry', attempt: attempt + 1, reason: 'deadlock victim' }, 'chosen as a deadlock victim; rolled back, trying again');
    }
  }
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
