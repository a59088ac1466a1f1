import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import type { ColumnRef, Layout } from '../../db/model/layout.js';
import { hasObject } from '../../db/catalog.js';
import type { Logger } from '../../log.js';
import { assertCanRun, assertMigrationsUnchanged, historyWritable, preflight, type PreflightReport } from '../../preflight/preflight.js';
import { changeFor } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import { checkParamValues } from '../../vocabulary/param-values.js';
import { executeRun } from '../pipeline/run-pipeline.js';
import type { PipelineRequest, PipelineResult, PreparedRun, Refusal, RunKind, RunMode } from '../pipeline/run-kind.js';
import type { RunSummary } from '../pipeline/run-log.js';
import { describe } from '../pipeline/run-log.js';
import { journaledRows } from '../pipeline/report-rows.js';
import { applyJournaled } from './apply.js';
import { checkGuards } from './guards.js';
import type { PlannedRow } from '../../db/engine/planned-rows.js';
import { buildPlan, changingValues, plannedRows, type Plan } from './plan.js';

export type { RunSettings } from '../../config/run-settings.js';
export type { RunHooks } from '../pipeline/run-kind.js';

export interface RunRequest extends PipelineRequest<Plan> {
  job: AnyJob;
  /** Already validated against job.paramsSchema. */
  params: Record<string, unknown>;
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
  /** The run stands, but its --report could not be written afterwards (why): exit 6. */
  reportError?: string;
}

/**
 * A job's run: the one pipeline (src/run/pipeline) with a job's preflight, parameter values,
 * plan, guards and journaled apply. Every run logs one run.start and one run.end line.
 */
export async function runJob(handle: DatabaseHandle, request: RunRequest): Promise<RunResult> {
  const { job, params, mode } = request;
  let layout: Layout | undefined;
  const kind: RunKind<Plan> = {
    logFields: { job: job.name },
    notifyAs: { job: job.name, applyMode: 'apply' },
    prepare: async (h, log) => {
      const report = await preflight(h, [job], request.settings.journalSchema);
      for (const warning of report.privileges.warnings) log.warn({ event: 'privileges.excess' }, warning);
      const prepared = prepareJob(h, job, params, request.settings, report, mode, log);
      layout = prepared.context.layout;
      return prepared.run;
    },
    summarize: (r, m) => jobSummary(r, m, m === 'dry-run' ? `dry run: ${r.plan.changed} rows would change` : `run ${r.outcome}: ${r.changed} rows changed`),
  };
  const result = await executeRun(handle, kind, request);
  return { job: job.name, mode, layout: layout!, params, ...result };
}

/** A job's run.end line: its counts (a dry run's: what would change), its refusal, and `message`. */
export function jobSummary(r: PipelineResult<Plan>, mode: RunMode, message: string): RunSummary {
  return {
    runId: r.runId,
    outcome: r.outcome,
    matched: r.plan.matched,
    changed: mode === 'apply' ? r.changed : r.plan.changed,
    unchanged: r.plan.unchanged,
    ...(r.refusal ? { reason: describe(r.refusal) } : {}),
    message,
  };
}

/**
 * One job, ready for the pipeline (and for `plan`, which plans every job the same way): its
 * target context from the preflight, and the steps only a job has.
 */
export function prepareJob(
  handle: DatabaseHandle,
  job: AnyJob,
  params: Record<string, unknown>,
  settings: RunSettings,
  report: PreflightReport,
  mode: 'dry-run' | 'apply',
  log?: Logger,
): { context: TargetContext; run: PreparedRun<Plan> } {
  const context: TargetContext = { layout: report.schema.layout!, journalSchema: settings.journalSchema, auditColumns: report.schema.auditColumns, catalogContacts: handle.adapter.statements.catalogContacts };
  const present = (ref: ColumnRef) => hasObject(report.catalog, ref);
  const change = changeFor(job, params, context);
  const run: PreparedRun<Plan> = {
    start: { job: job.name, params, ticket: settings.ticket, config: settings.configSource },
    historyWritable: historyWritable(report),
    check: async () => {
      assertCanRun(report, job.name, mode);
      await checkParamValues(handle.db, job, params, settings.allowStatuses);
    },
    // An apply's plan carries every row to change: its UPDATE takes them by id, so the steady state costs one search.
    plan: (db) => buildPlan(db, job, params, change, context, mode === 'apply' ? { max: settings.plannedRowsMax } : undefined),
    changingRows: (db, plan) => (plan.rows ? listed(plan.rows) : changingValues(db, job, params, change, context)),
    appliesPlannedRows: (plan) => plan.rows !== undefined,
    // An apply that found the lock held by a migrate waits for nothing; one that got it checks the schema is still the one checked.
    underLock: (trx) => assertMigrationsUnchanged(trx, report),
    counts: (plan) => ({ matched: plan.matched, changed: plan.changed, unchanged: plan.unchanged }),
    guard: async (db, plan) => {
      const { refusal, warnings } = await checkGuards(db, job, params, plan, settings, present);
      for (const warning of warnings) log?.warn({ event: 'guard.skipped' }, warning);
      return refusal;
    },
    succeedsUnchanged: true,
    apply: async (trx, step) =>
      (
        await applyJournaled(trx, handle.adapter, {
          job,
          params,
          change,
          context,
          runId: step.runId,
          journalSchema: settings.journalSchema,
          auditColumns: report.schema.auditColumns,
          updatedBy: settings.updatedBy,
          batchSize: settings.batchSize,
          // Rows that carry audit values (a saved plan's) are applied only while those still hold too.
          planned: step.plan.rows && { rows: step.plan.rows, checkAudit: step.plan.rows.some((r) => r.audit !== undefined), inline: report.plannedRowsInline },
          expectedChanges: step.plan.changed,
          afterJournal: step.afterJournal,
          signal: step.signal,
        })
      ).changed,
    deadlockRetries: settings.deadlockRetries,
    failedAndRolledBack: `${job.name} failed and was rolled back`,
    plannedRows: (db) => plannedRows({ ...handle, db }, job, params, change, context),
    appliedRows: (db, runId) => journaledRows({ ...handle, db }, settings.journalSchema, runId, job.name),
  };
  return { context, run };
}

async function* listed(rows: readonly PlannedRow[]): AsyncGenerator<{ id: number; before: number | null }> {
  yield* rows;
}
