import type { DatabaseHandle } from '../db/connect.js';
import { CwMaintError, GuardRefusedError, NotConfirmedError, RunFailedError, SchemaCheckError } from '../errors.js';
import { migrationStatus, type MigrationStatus } from '../journal/migrator.js';
import type { Logger } from '../log.js';
import { blockedMessages, checkSchema, type SchemaReport } from '../../migrations-check/check.js';
import { inspectSchema } from '../../migrations-check/inspect.js';
import { JOB_NAMES } from '../../jobs/index.js';
import { applyJournaled } from './apply.js';
import { changeFor } from './change.js';
import { checkGuards, checkRecIdsExist } from './guards.js';
import type { AnyJob } from './job-definition.js';
import { buildPlan, type Plan } from './plan.js';
import { withRunLock } from './run-lock.js';
import { finishRun, recordRun, startRun, type RunStart } from './run-record.js';

export interface RunSettings {
  journalSchema: string;
  updatedBy: string;
  maxChanges: number;
}

export interface RunRequest {
  job: AnyJob;
  /** Already validated against job.params. */
  params: Record<string, unknown>;
  mode: 'dry-run' | 'apply';
  trigger: 'manual' | 'schedule';
  settings: RunSettings;
  log: Logger;
  /** Asked after the plan, before an apply (interactive runs). false: nothing is applied. */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** Test-only hooks: after the plan (outside the transaction), and inside it after the journal insert. */
  hooks?: { afterPlan?: () => Promise<void>; afterJournal?: (signal?: AbortSignal) => Promise<void> };
  /** Aborting rolls an in-flight apply back at its next step (graceful shutdown). */
  signal?: AbortSignal;
}

export interface RunResult {
  job: string;
  mode: 'dry-run' | 'apply';
  runId: number | null;
  layout: string;
  params: Record<string, unknown>;
  plan: Plan;
  changed: number;
  /** false when cw-maint's tables are not migrated yet (dry runs still work). */
  historyWritten: boolean;
  /** Dry runs only: the guard that would refuse an apply of this plan. */
  refusal?: GuardRefusedError;
}

/**
 * The one code path for every job: schema check -> RecIDs -> (lock) -> plan -> guards ->
 * (confirm) -> journaled apply -> report. A dry run reads only, and writes its history row
 * only when cw-maint's own tables exist.
 */
export async function runJob(handle: DatabaseHandle, request: RunRequest): Promise<RunResult> {
  const { db, adapter } = handle;
  const { job, params, settings, mode } = request;
  const log = request.log.child({ job: job.name, mode });

  const migrations = await migrationStatus(db, adapter, settings.journalSchema);
  const historyWritable = migrations.pending.length === 0;
  const start: RunStart = { job: job.name, mode, trigger: request.trigger, params };

  let schema: SchemaReport;
  try {
    schema = checkSchema(await inspectSchema(db), JOB_NAMES);
    assertJobCanRun(schema, job);
    if (mode === 'apply') assertMigrated(migrations);
    await checkRecIdsExist(db, params);
  } catch (error) {
    // A refused run is part of the audit trail too, wherever cw-maint's tables exist to hold it.
    if (error instanceof CwMaintError && historyWritable) {
      await recordRun(db, adapter, settings.journalSchema, start, { status: 'refused', error: describe(error) }).catch(() => undefined);
    }
    throw error;
  }
  const context = { layout: schema.layout! };
  const change = changeFor(job, params);
  const base = { job: job.name, mode, layout: context.layout, params };

  if (mode === 'dry-run') {
    // A dry run shows its plan even when an apply would be refused: that is what a DBA checks
    // before a change window. The refusal comes back with the plan (the CLI exits 5 after printing).
    const plan = await buildPlan(db, job, params, change, context);
    const refusal = await checkGuards(db, job, params, plan, settings).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof GuardRefusedError) return error;
        throw error;
      },
    );
    const runId = historyWritable
      ? await recordRun(db, adapter, settings.journalSchema, start, {
          status: refusal ? 'refused' : 'succeeded',
          ...counts(plan),
          changed: 0,
          error: refusal ? describe(refusal) : undefined,
        })
      : null;
    return { ...base, runId, plan, changed: 0, historyWritten: historyWritable, refusal };
  }

  return withRunLock(handle, settings.journalSchema, async (conn) => {
    // The run row comes first, so a second apply that finds the lock held can name this run.
    const runId = await startRun(conn, adapter, settings.journalSchema, start);
    const runLog = log.child({ runId });
    const startedAt = Date.now();
    let plan: Plan | undefined;
    try {
      plan = await buildPlan(conn, job, params, change, context);
      await checkGuards(conn, job, params, plan, settings);
      if (request.confirm && !(await request.confirm(plan))) {
        throw new NotConfirmedError('Not confirmed; nothing was changed.');
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
        auditColumns: schema.auditColumns,
        updatedBy: settings.updatedBy,
        expectedChanges: plan.changed,
        afterJournal: request.hooks?.afterJournal,
        signal: request.signal,
      });
      await finishRun(conn, settings.journalSchema, runId, { status: 'succeeded', ...counts(plan), changed });
      runLog.info(
        { event: 'run.end', outcome: 'succeeded', matched: plan.matched, changed, durationMs: Date.now() - startedAt },
        'run finished',
      );
      return { ...base, runId, plan, changed, historyWritten: true };
    } catch (error) {
      const refused = error instanceof GuardRefusedError || error instanceof NotConfirmedError;
      const message = describe(error, adapter.describeStatementError);
      if (!refused) {
        runLog.error({ event: 'run.end', outcome: 'failed', error: message, durationMs: Date.now() - startedAt }, 'run failed; rolled back');
      }
      // Best effort: after a lost connection this fails too, and the row stays 'running' (shown as interrupted).
      await finishRun(conn, settings.journalSchema, runId, {
        status: refused ? 'refused' : 'failed',
        ...(plan ? counts(plan) : {}),
        changed: 0,
        error: message,
      }).catch(() => undefined);
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
  return fallback(error);
}

export function assertJobCanRun(schema: SchemaReport, job: AnyJob): void {
  const messages = blockedMessages(schema, [job.name]);
  if (messages.length) {
    throw new SchemaCheckError('Schema check failed; nothing was changed. Run `npm run migrations-check` for the full report.', messages);
  }
}

export function assertMigrated(status: MigrationStatus): void {
  if (status.pending.length) {
    throw new SchemaCheckError(
      `cw-maint's own tables in schema "${status.schema}" are not at the latest migration (pending: ${status.pending.join(', ')}). ` +
        'Run `npm run migrate` (or `npm run migrate -- --dry-run` to see the DDL first). Dry runs work without it.',
    );
  }
}
