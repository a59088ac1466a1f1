import type { Kysely } from 'kysely';
import type { DatabaseHandle } from '../db/connect.js';
import type { ColumnRef } from '../db/model/layout.js';
import type { Database } from '../db/model/schema.js';
import { hasObject } from '../db/catalog.js';
import type { Layout } from '../db/model/layout.js';
import { CwMaintError, RunFailedError } from '../errors.js';
import type { RunSettings } from '../config/run-settings.js';
import { describe, loggedRun, type FinishedRun } from './run-log.js';
import type { ReportRow } from '../report/report-file.js';
import { journaledRows, plannedRows } from './report-rows.js';
import type { Logger } from '../log.js';
import { applyJournaled } from './apply.js';
import { changeFor } from '../vocabulary/change.js';
import { checkGuards, type Refusal } from './guards.js';
import type { AnyJob } from '../vocabulary/job-definition.js';
import { checkParamValues } from '../vocabulary/param-values.js';
import { buildPlan, type Plan } from './plan.js';
import { assertCanRun, historyWritable, preflight } from '../preflight/preflight.js';
import { withRunLock } from './run-lock.js';
import { closeInterruptedRuns, finishRun, recordRun, startRun, type RunStart } from '../journal/run-record.js';


/** Test seams, passed in by the tests themselves: no environment variable reaches them. */
export interface RunHooks {
  /** After the plan, outside the transaction. */
  afterPlan?: () => Promise<void>;
  /** Inside the apply transaction, after the journal insert. */
  afterJournal?: (signal?: AbortSignal) => Promise<void>;
}

export interface RunRequest {
  job: AnyJob;
  /** Already validated against job.paramsSchema. */
  params: Record<string, unknown>;
  mode: 'dry-run' | 'apply';
  trigger: 'manual' | 'schedule';
  settings: RunSettings;
  log: Logger;
  /** Asked after the plan, before an apply (interactive runs). false: nothing is applied. */
  confirm?: (plan: Plan) => Promise<boolean>;
  hooks?: RunHooks;
  /** Aborting rolls an in-flight apply back at its next step (graceful shutdown). */
  signal?: AbortSignal;
  /** --report: receives every row planned (dry run) or changed (apply, from the journal after commit), streamed. */
  report?: (rows: AsyncIterable<ReportRow>) => Promise<unknown>;
  /** Told once the outcome is recorded (src/notify); bounded by its own timeout, it never changes the outcome. */
  notify?: (run: FinishedRun) => Promise<void>;
}

export type RunOutcome = 'succeeded' | 'refused' | 'declined';

export interface RunResult {
  job: string;
  mode: 'dry-run' | 'apply';
  /** succeeded; refused by a guard (for a dry run: an apply would be); declined at the prompt. */
  outcome: RunOutcome;
  runId: number | null;
  layout: Layout;
  params: Record<string, unknown>;
  plan: Plan;
  changed: number;
  /** false when cw-maint's tables are not migrated yet (dry runs still work). */
  historyWritten: boolean;
  refusal?: Refusal;
}

/**
 * The one code path for every job: preflight -> parameter values -> (lock) -> plan -> guards ->
 * (confirm) -> journaled apply -> report. A dry run reads only, and writes its history row
 * only when cw-maint's own tables exist. Every run logs one run.start and one run.end line,
 * whatever its outcome, for a log shipper.
 */
export async function runJob(handle: DatabaseHandle, request: RunRequest): Promise<RunResult> {
  const log = request.log.child({ job: request.job.name, mode: request.mode, trigger: request.trigger });
  return loggedRun(
    log,
    handle.adapter.driver.describeStatementError,
    (seen) => runLogged(handle, request, log, seen),
    (result) => ({
      runId: result.runId,
      outcome: result.outcome,
      matched: result.plan.matched,
      changed: result.mode === 'apply' ? result.changed : result.plan.changed,
      unchanged: result.plan.unchanged,
      ...(result.refusal ? { reason: describe(result.refusal) } : {}),
      message: result.mode === 'dry-run' ? `dry run: ${result.plan.changed} rows would change` : `run ${result.outcome}: ${result.changed} rows changed`,
    }),
    request.notify && ((end) => request.notify!({ ...end, job: request.job.name, mode: request.mode, trigger: request.trigger })),
  );
}

async function runLogged(handle: DatabaseHandle, request: RunRequest, log: Logger, seen: { runId: number | null }): Promise<RunResult> {
  const { db, adapter } = handle;
  const { job, params, settings, mode } = request;
  const start: RunStart = { job: job.name, mode, trigger: request.trigger, params, ticket: settings.ticket };

  const report = await preflight(handle, [job], settings.journalSchema);
  for (const warning of report.privileges.warnings) log.warn({ event: 'privileges.excess' }, warning);
  const writable = historyWritable(report);
  try {
    assertCanRun(report, job.name, mode);
    await checkParamValues(db, job, params);
  } catch (error) {
    // A refused run is part of the audit trail too, wherever cw-maint's tables exist to hold it.
    if (error instanceof CwMaintError && writable) {
      seen.runId = await recordRun(db, adapter, settings.journalSchema, start, { status: 'refused', error: describe(error) }).catch(() => null);
    }
    throw error;
  }
  const context = { layout: report.schema.layout!, journalSchema: settings.journalSchema, auditColumns: report.schema.auditColumns };
  const present = (ref: ColumnRef) => hasObject(report.catalog, ref);
  const guard = async (on: Kysely<Database>, plan: Plan) => {
    const { refusal, warnings } = await checkGuards(on, job, params, plan, settings, present);
    for (const warning of warnings) log.warn({ event: 'guard.skipped' }, warning);
    return refusal;
  };
  const change = changeFor(job, params);
  const base = { job: job.name, mode, layout: context.layout, params };

  if (mode === 'dry-run') {
    // A dry run shows its plan even when an apply would be refused: that is what a DBA checks
    // before a change window. The refusal comes back with the plan.
    const plan = await buildPlan(db, job, params, change, context);
    const refusal = await guard(db, plan);
    // Recorded with what the plan would change: that is what a dry run reports.
    const runId = writable
      ? await recordRun(db, adapter, settings.journalSchema, start, {
          status: refusal ? 'refused' : 'succeeded',
          ...counts(plan),
          error: refusal ? describe(refusal) : undefined,
        })
      : null;
    seen.runId = runId;
    await request.report?.(plannedRows(db, job, params, change, context));
    return { ...base, outcome: refusal ? 'refused' : 'succeeded', runId, plan, changed: 0, historyWritten: writable, refusal };
  }

  const applied = await withRunLock(handle, settings.journalSchema, async (conn): Promise<RunResult> => {
    // Holding the lock, no other apply can be running: rows still marked running are dead.
    const interrupted = await closeInterruptedRuns(conn, settings.journalSchema);
    if (interrupted.length) log.warn({ event: 'run.interrupted_found', runs: interrupted }, `closed ${interrupted.length} run(s) left running by a process that ended`);
    // The run row comes first, so a second apply that finds the lock held can name this run.
    const runId = await startRun(conn, adapter, settings.journalSchema, start);
    seen.runId = runId;
    const runLog = log.child({ runId });
    let plan: Plan | undefined;
    try {
      plan = await buildPlan(conn, job, params, change, context);
      const refusal = await guard(conn, plan);
      if (refusal) {
        await finishRun(conn, settings.journalSchema, runId, { status: 'refused', ...counts(plan), changed: 0, error: describe(refusal) });
        return { ...base, outcome: 'refused', runId, plan, changed: 0, historyWritten: true, refusal };
      }
      if (request.confirm && !(await request.confirm(plan))) {
        await finishRun(conn, settings.journalSchema, runId, { status: 'declined', ...counts(plan), changed: 0, error: 'not confirmed at the prompt' });
        return { ...base, outcome: 'declined', runId, plan, changed: 0, historyWritten: true };
      }
      await request.hooks?.afterPlan?.();
      if (plan.changed === 0) {
        // The steady state: nothing differs, so no transaction, journal or update is needed.
        await finishRun(conn, settings.journalSchema, runId, { status: 'succeeded', ...counts(plan), changed: 0 });
        return { ...base, outcome: 'succeeded', runId, plan, changed: 0, historyWritten: true };
      }
      const input = {
        job,
        params,
        change,
        context,
        runId,
        journalSchema: settings.journalSchema,
        auditColumns: report.schema.auditColumns,
        updatedBy: settings.updatedBy,
        batchSize: settings.batchSize,
        expectedChanges: plan.changed,
        afterJournal: request.hooks?.afterJournal,
        signal: request.signal,
      };
      // A deadlock victim was rolled back whole: the same apply is tried again, as configured.
      let changed: number;
      for (let attempt = 0; ; attempt++) {
        try {
          ({ changed } = await applyJournaled(conn, adapter, input));
          break;
        } catch (error) {
          if (adapter.driver.classifyError(error) !== 'deadlock' || attempt >= settings.deadlockRetries) throw error;
          runLog.warn({ event: 'run.retry', attempt: attempt + 1, reason: 'deadlock victim' }, 'chosen as a deadlock victim; rolled back, trying again');
        }
      }
      await finishRun(conn, settings.journalSchema, runId, { status: 'succeeded', ...counts(plan), changed });
      return { ...base, outcome: 'succeeded', runId, plan, changed, historyWritten: true };
    } catch (error) {
      const message = explain(error, adapter, settings);
      // Best effort: after a lost connection this fails too, and the row stays 'running' (shown as interrupted).
      await finishRun(conn, settings.journalSchema, runId, { status: 'failed', ...(plan ? counts(plan) : {}), changed: 0, error: message }).catch(
        () => undefined,
      );
      if (error instanceof CwMaintError) throw error;
      throw new RunFailedError(`${job.name} failed and was rolled back: ${message}`, [], { cause: error });
    }
  });
  // After the commit, outside the run's own error handling: the report shows what was changed,
  // from the journal. A report that cannot be written fails the command, not the run.
  if (applied.outcome === 'succeeded') await request.report?.(journaledRows(db, settings.journalSchema, applied.runId!, job.name));
  return applied;
}

/** A failed statement, said so that a DBA knows what to do about it. */
function explain(error: unknown, adapter: DatabaseHandle['adapter'], settings: RunSettings): string {
  const text = describe(error, adapter.driver.describeStatementError);
  switch (adapter.driver.classifyError(error)) {
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

function counts(plan: Plan) {
  return { matched: plan.matched, changed: plan.changed, unchanged: plan.unchanged };
}

