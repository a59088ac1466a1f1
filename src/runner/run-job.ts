import type { DatabaseHandle } from '../db/connect.js';
import type { Layout } from '../db/layout.js';
import { CwMaintError, RunFailedError } from '../errors.js';
import type { Logger } from '../log.js';
import { applyJournaled } from './apply.js';
import { changeFor } from './change.js';
import { checkGuards, type Refusal } from './guards.js';
import type { AnyJob } from './job-definition.js';
import { checkParamValues } from './param-values.js';
import { buildPlan, type Plan } from './plan.js';
import { assertCanRun, historyWritable, preflight } from './preflight.js';
import { withRunLock } from './run-lock.js';
import { finishRun, recordRun, startRun, type RunStart } from './run-record.js';

export interface RunSettings {
  journalSchema: string;
  updatedBy: string;
  maxChanges: number;
}

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
 * only when cw-maint's own tables exist.
 */
export async function runJob(handle: DatabaseHandle, request: RunRequest): Promise<RunResult> {
  const { db, adapter } = handle;
  const { job, params, settings, mode } = request;
  const log = request.log.child({ job: job.name, mode });
  const start: RunStart = { job: job.name, mode, trigger: request.trigger, params };

  const report = await preflight(handle, [job], settings.journalSchema);
  const writable = historyWritable(report);
  try {
    assertCanRun(report, job.name, mode);
    await checkParamValues(db, job, params);
  } catch (error) {
    // A refused run is part of the audit trail too, wherever cw-maint's tables exist to hold it.
    if (error instanceof CwMaintError && writable) {
      await recordRun(db, adapter, settings.journalSchema, start, { status: 'refused', error: describe(error) }).catch(() => undefined);
    }
    throw error;
  }
  const context = { layout: report.schema.layout! };
  const change = changeFor(job, params);
  const base = { job: job.name, mode, layout: context.layout, params };

  if (mode === 'dry-run') {
    // A dry run shows its plan even when an apply would be refused: that is what a DBA checks
    // before a change window. The refusal comes back with the plan.
    const plan = await buildPlan(db, job, params, change, context);
    const refusal = await checkGuards(db, job, params, plan, settings);
    const runId = writable
      ? await recordRun(db, adapter, settings.journalSchema, start, {
          status: refusal ? 'refused' : 'succeeded',
          ...counts(plan),
          changed: 0,
          error: refusal ? describe(refusal) : undefined,
        })
      : null;
    return { ...base, outcome: refusal ? 'refused' : 'succeeded', runId, plan, changed: 0, historyWritten: writable, refusal };
  }

  return withRunLock(handle, settings.journalSchema, async (conn) => {
    // The run row comes first, so a second apply that finds the lock held can name this run.
    const runId = await startRun(conn, adapter, settings.journalSchema, start);
    const runLog = log.child({ runId });
    const startedAt = Date.now();
    let plan: Plan | undefined;
    try {
      plan = await buildPlan(conn, job, params, change, context);
      const refusal = await checkGuards(conn, job, params, plan, settings);
      if (refusal) {
        await finishRun(conn, settings.journalSchema, runId, { status: 'refused', ...counts(plan), changed: 0, error: describe(refusal) });
        return { ...base, outcome: 'refused', runId, plan, changed: 0, historyWritten: true, refusal };
      }
      if (request.confirm && !(await request.confirm(plan))) {
        await finishRun(conn, settings.journalSchema, runId, { status: 'declined', ...counts(plan), changed: 0, error: 'not confirmed at the prompt' });
        return { ...base, outcome: 'declined', runId, plan, changed: 0, historyWritten: true };
      }
      await request.hooks?.afterPlan?.();
      runLog.info({ event: 'run.start', matched: plan.matched, planned: plan.changed }, 'run started');
      const { changed } = await applyJournaled(conn, adapter, {
        job,
        params,
        change,
        context,
        runId,
        journalSchema: settings.journalSchema,
        auditColumns: report.schema.auditColumns,
        updatedBy: settings.updatedBy,
        expectedChanges: plan.changed,
        afterJournal: request.hooks?.afterJournal,
        signal: request.signal,
      });
      await finishRun(conn, settings.journalSchema, runId, { status: 'succeeded', ...counts(plan), changed });
      runLog.info({ event: 'run.end', outcome: 'succeeded', matched: plan.matched, changed, durationMs: Date.now() - startedAt }, 'run finished');
      return { ...base, outcome: 'succeeded', runId, plan, changed, historyWritten: true };
    } catch (error) {
      const message = describe(error, adapter.describeStatementError);
      runLog.error({ event: 'run.end', outcome: 'failed', error: message, durationMs: Date.now() - startedAt }, 'run failed; rolled back');
      // Best effort: after a lost connection this fails too, and the row stays 'running' (shown as interrupted).
      await finishRun(conn, settings.journalSchema, runId, { status: 'failed', ...(plan ? counts(plan) : {}), changed: 0, error: message }).catch(
        () => undefined,
      );
      if (error instanceof CwMaintError) throw error;
      throw new RunFailedError(`${job.name} failed and was rolled back: ${message}`, [], { cause: error });
    }
  });
}

function counts(plan: Plan) {
  return { matched: plan.matched, changed: plan.changed, unchanged: plan.unchanged };
}

function describe(error: unknown, fallback: (e: unknown) => string = (e) => String((e as Error)?.message ?? e)): string {
  if (error instanceof CwMaintError) return [error.message, ...error.details].join(' ');
  if (isRefusal(error)) return [error.message, ...error.problems].join(' ');
  return fallback(error);
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'problems' in value && 'message' in value;
}
