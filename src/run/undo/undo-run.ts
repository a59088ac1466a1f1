import type { Kysely } from 'kysely';
import { undoStamp, type RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import { AUDIT_COLUMNS, type AuditColumn, type ChangeableColumn, type Database } from '../../db/model/schema.js';
import { RunFailedError, SchemaCheckError, UsageError } from '../../errors.js';
import { privilegeReasons } from '../../preflight/privileges/check.js';
import { undoOf } from '../../preflight/privileges/needs.js';
import { findRun } from '../../journal/show.js';
import { cwMaintTables } from '../../journal/tables.js';
import { assertCanRun, assertMigrationsUnchanged, preflight } from '../../preflight/preflight.js';
import type { ReportRow } from '../../report/report-file.js';
import { batchSizeFor, inBatches } from '../pipeline/batches.js';
import { executeRun } from '../pipeline/run-pipeline.js';
import type { PipelineRequest, RunKind } from '../pipeline/run-kind.js';
import { concat, journaledRows } from '../pipeline/report-rows.js';
import { keysetPagesOn, keysetRows, type RowSource } from '../../db/keyset-pages.js';
import { undoBatchBounds, undoCountQuery, undoRestore, undoRowsQuery, undoVerifyQuery, type UndoTarget } from './undo-statements.js';

export const UNDO_PREVIEW_ROWS = 20;

export interface UndoRequest extends Omit<PipelineRequest<UndoPlan>, 'hooks' | 'signal'> {
  runId: number;
  /** Restore rows changed since the run too. */
  force: boolean;
}

export interface UndoRow {
  contactRecId: number;
  name: string;
  companyId: string | null;
  /** The value before the undone run, which the undo restores. */
  restoreTo: number | null;
  /** What the undone run wrote. */
  runWrote: number | null;
  now: number | null;
}

export interface UndoPlan {
  undoOf: { runId: number; job: string; mode: string; startedAt: Date; ticket: string | null };
  column: ChangeableColumn;
  journaled: number;
  /** Rows still as the run left them: restored. */
  restorable: number;
  /** Rows someone changed since (value or audit columns): left alone unless --force. */
  conflicts: number;
  /** Of the conflicts, those --force would restore (the others already hold their old value). */
  forcible: number;
  /** Journaled contacts that no longer exist. */
  missing: number;
  /** What the undo would change: restorable, plus forcible with --force. */
  toRestore: number;
  /** false for runs journaled before audit columns were recorded: conflicts are then seen on the column only. */
  auditChecked: boolean;
  restorePreview: UndoRow[];
  conflictPreview: UndoRow[];
}

export interface UndoResult {
  mode: 'dry-run' | 'apply';
  outcome: 'succeeded' | 'declined';
  runId: number | null;
  plan: UndoPlan;
  restored: number;
  /** The undo stands, but its --report could not be written afterwards (why). */
  reportError?: string;
}

/**
 * Restores the before-values of one run: a change like any other, through the one pipeline (in one
 * transaction under the run lock, journaled, so an undo can be undone, and recorded as a run of its
 * own, undo_of_run_id). A row anyone changed since the run, whichever column, is a conflict: left
 * alone and listed, unless --force. The size guards do not apply: the run being undone already
 * passed them.
 */
export async function undoRun(handle: DatabaseHandle, request: UndoRequest): Promise<UndoResult> {
  const kind: RunKind<UndoPlan> = {
    logFields: { job: 'undo', undoOf: request.runId },
    notifyAs: { job: 'undo', undoOf: request.runId, applyMode: 'undo' },
    prepare: (h) => prepareUndo(h, request.runId, request.force, request.settings, request.mode),
    summarize: (r, mode) => {
      const changed = mode === 'apply' ? r.changed : r.plan.toRestore;
      return {
        runId: r.runId,
        outcome: r.outcome,
        matched: r.plan.journaled,
        changed,
        unchanged: r.plan.journaled - changed,
        message: mode === 'dry-run' ? `undo dry run: ${r.plan.toRestore} rows would be restored` : `undo ${r.outcome}: ${r.changed} rows restored`,
      };
    },
  };
  const result = await executeRun(handle, kind, request);
  return {
    mode: request.mode,
    outcome: result.outcome as UndoResult['outcome'],
    runId: result.runId,
    plan: result.plan,
    restored: result.changed,
    ...(result.reportError === undefined ? {} : { reportError: result.reportError }),
  };
}

async function prepareUndo(handle: DatabaseHandle, runId: number, force: boolean, settings: RunSettings, mode: 'dry-run' | 'apply') {
  const { db, adapter } = handle;
  const report = await preflight(handle, [], settings.journalSchema);
  // An undo reads the journal whatever its mode: cw-maint's tables must be there and current.
  assertCanRun(report, 'undo', 'apply');
  const target = await undoableRun(db, settings.journalSchema, runId);
  // UPDATE is needed only on the column the undone run changed (a dry run needs none).
  const columnReasons = mode === 'apply' ? privilegeReasons(report.privileges, undoOf(target.column), 'apply') : [];
  if (columnReasons.length) throw new SchemaCheckError('Schema check failed; nothing was changed. Run `npm run migrations-check` for the full report.', columnReasons);
  const audit = (AUDIT_COLUMNS as readonly AuditColumn[]).filter((c) => report.schema.auditColumns.includes(c));
  const t: UndoTarget = { journalSchema: settings.journalSchema, runId: target.run_id, column: target.column, auditColumns: target.journal_version === 2 ? audit : [] };
  // Checked by the CLI before it connects; here too, so that no caller can cut it.
  const updatedBy = undoStamp(settings.updatedBy, target.run_id);
  const size = batchSizeFor(adapter, settings.batchSize);
  return {
    start: { job: target.job, params: { undo: target.run_id, force }, undoOfRunId: target.run_id, ticket: settings.ticket, config: settings.configSource },
    historyWritable: true,
    plan: (on: Kysely<Database>) => planUndo(on, t, target, force),
    changingRows: (on: Kysely<Database>) => undoneValues(on, t, force),
    // Under the lock: still not undone by another run meanwhile, and the schema still the one checked.
    underLock: async (trx: Kysely<Database>) => {
      await assertMigrationsUnchanged(trx, report);
      await undoableRun(trx, settings.journalSchema, runId);
    },
    counts: (plan: UndoPlan) => ({ matched: plan.journaled, changed: plan.toRestore, unchanged: plan.journaled - plan.toRestore }),
    apply: async (trx: Kysely<Database>, step: { runId: number; plan: UndoPlan }) => {
      let inserted = 0;
      const restore = (range?: { after: number | null; last: number }) => undoRestore(t, step.runId, force, adapter, audit, updatedBy, range).execute(trx);
      await inBatches(size, async (after) => {
        if (size === null) {
          inserted += Number((await restore()).rows[0]!.written);
          return { picked: 0, last: null };
        }
        const { picked, last } = (await undoBatchBounds(settings.journalSchema, t.runId, after, size).execute(trx)).rows[0]!;
        if (last !== null) inserted += Number((await restore({ after, last: Number(last) })).rows[0]!.written);
        return { picked: Number(picked), last: last === null ? null : Number(last) };
      });
      if (inserted !== step.plan.toRestore) {
        throw new RunFailedError(`The data changed between plan and undo (planned ${step.plan.toRestore} rows, found ${inserted}); rolled back, nothing was restored. Run again.`);
      }
      const { rows } = await undoVerifyQuery(t, step.runId).execute(trx);
      if (Number(rows[0]?.n) !== inserted) {
        throw new RunFailedError(`Restored ${Number(rows[0]?.n)} of the ${inserted} journaled rows (the data moved during the undo); rolled back.`);
      }
      return inserted;
    },
    deadlockRetries: 0,
    failedAndRolledBack: `The undo of run ${target.run_id} failed and was rolled back`,
    plannedRows: () => undoReportRows(handle, t, target.job, force ? undefined : 'restore'),
    appliedRows: (on: Kysely<Database>, undoRunId: number) =>
      concat(journaledRows({ ...handle, db: on }, settings.journalSchema, undoRunId, target.job), undoReportRows({ ...handle, db: on }, t, target.job, 'conflicts-left', undoRunId)),
  };
}

/**
 * Report rows of an undo: 'restore' (dry run) the rows it would restore and the conflicts;
 * undefined (dry run with --force) every row; 'conflicts-left' the conflicts an applied undo
 * left alone. old = the value now, new = the value the undo restores (or would).
 */
async function* undoReportRows(source: RowSource, t: UndoTarget, job: string, kind: 'restore' | 'conflicts-left' | undefined, undoRunId?: number): AsyncGenerator<ReportRow> {
  const parts: Array<['restore' | 'conflict', boolean]> = kind === 'conflicts-left' ? [['conflict', true]] : [['restore', false], ['conflict', true]];
  const notIn = kind === 'conflicts-left' ? undoRunId : undefined;
  for (const [which, conflict] of parts) {
    const pages = keysetRows(source, async (on, page) => (await undoRowsQuery(t, which, { limit: page.rows, after: page.after ?? undefined, notIn }).execute(on)).rows, (r) => Number(r.contact_recid));
    for await (const r of pages) {
      yield {
        contactRecId: Number(r.contact_recid),
        firstName: r.first_name,
        lastName: r.last_name,
        companyId: r.company_id,
        companyName: r.company_name,
        job,
        column: t.column,
        oldValue: r.now_value === null ? null : Number(r.now_value),
        newValue: r.old_value === null ? null : Number(r.old_value),
        conflict,
      };
    }
  }
}

/** The run to undo, checked: it exists, it changed something, it succeeded, and it was not undone already. */
async function undoableRun(db: Kysely<Database>, schema: string, runId: number) {
  const tables = cwMaintTables(schema);
  const run = await findRun(db, schema, runId);
  if (!run) throw new UsageError(`There is no run ${runId} (see npm run job -- history).`);
  if (run.mode === 'dry-run') throw new UsageError(`Run ${runId} is a dry run: it changed nothing, so there is nothing to undo.`);
  if (run.mode === 'plan') throw new UsageError(`Run ${runId} is a saved plan: it changed nothing, so there is nothing to undo (undo the run that applied it).`);
  if (run.status !== 'succeeded') throw new UsageError(`Run ${runId} ${run.status === 'running' ? 'is still running or was interrupted' : `was ${run.status}`}: it changed nothing, so there is nothing to undo.`);
  const undone = await db
    .selectFrom(tables.runAs)
    .select('r.run_id')
    .where('r.undo_of_run_id', '=', runId)
    .where('r.mode', '=', 'undo')
    .where('r.status', '=', 'succeeded')
    .executeTakeFirst();
  if (undone) throw new UsageError(`Run ${runId} was already undone by run ${undone.run_id} (to reverse that, undo run ${undone.run_id}).`);
  const column = await db.selectFrom(tables.journalAs).select('j.column_name').where('j.run_id', '=', runId).executeTakeFirst();
  if (!column) throw new UsageError(`Run ${runId} changed no rows: there is nothing to undo.`);
  return { ...run, column: column.column_name as ChangeableColumn };
}

async function planUndo(db: Kysely<Database>, t: UndoTarget, target: Awaited<ReturnType<typeof undoableRun>>, force: boolean): Promise<UndoPlan> {
  const { rows } = await undoCountQuery(t).execute(db);
  const c = rows[0]!;
  const preview = async (kind: 'restore' | 'conflict') =>
    (await undoRowsQuery(t, kind, { limit: UNDO_PREVIEW_ROWS }).execute(db)).rows.map((r) => ({
      contactRecId: Number(r.contact_recid),
      name: [r.first_name, r.last_name].filter(Boolean).join(' '),
      companyId: r.company_id,
      restoreTo: r.old_value === null ? null : Number(r.old_value),
      runWrote: r.new_value === null ? null : Number(r.new_value),
      now: r.now_value === null ? null : Number(r.now_value),
    }));
  const restorable = Number(c.restorable);
  const forcible = Number(c.forcible);
  return {
    undoOf: { runId: target.run_id, job: target.job, mode: target.mode, startedAt: new Date(target.started_at), ticket: target.ticket ?? null },
    column: t.column,
    journaled: Number(c.journaled),
    restorable,
    conflicts: Number(c.conflicts),
    forcible,
    missing: Number(c.missing),
    toRestore: restorable + (force ? forcible : 0),
    auditChecked: target.journal_version === 2,
    restorePreview: await preview('restore'),
    conflictPreview: Number(c.conflicts) ? await preview('conflict') : [],
  };
}

/**
 * The rows an undo would change, with their values now (what it journals as old_value), lowest
 * Contact_RecID first: the restorable ones, and with --force the conflicts not already back at
 * their old value.
 */
async function* undoneValues(db: Kysely<Database>, t: UndoTarget, force: boolean): AsyncGenerator<{ id: number; before: number | null }> {
  const rows: Array<{ id: number; before: number | null }> = [];
  const value = (v: number | null) => (v === null ? null : Number(v));
  for (const kind of force ? (['restore', 'conflict'] as const) : (['restore'] as const)) {
    const pages = keysetPagesOn(async (page) => (await undoRowsQuery(t, kind, { limit: page.rows, after: page.after ?? undefined }).execute(db)).rows, (r) => Number(r.contact_recid), 10_000);
    for await (const r of pages) {
      // A conflict is restored by --force only where it is not back at its old value already.
      if (kind === 'restore' || value(r.now_value) !== value(r.old_value)) rows.push({ id: Number(r.contact_recid), before: value(r.now_value) });
    }
  }
  yield* rows.sort((a, b) => a.id - b.id);
}
