import { expressionBuilder, type Transaction } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import type { Database } from '../../db/model/schema.js';
import { RunFailedError } from '../../errors.js';
import { cwMaintTables } from '../../journal/tables.js';
import { batchSizeFor, inBatches } from '../pipeline/batches.js';
import { changing, setList, type Change } from '../../vocabulary/change.js';
import { journalAuditColumns } from '../../journal/journal-audit.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import type { PlannedChunk, PlannedRow } from '../../db/engine/planned-rows.js';

export interface ApplyInput {
  job: AnyJob;
  params: Record<string, unknown>;
  change: Change;
  context: TargetContext;
  runId: number;
  journalSchema: string;
  auditColumns: readonly string[];
  updatedBy: string;
  /** The plan's `changed`: the journal must hold exactly this many rows, or the data moved under us. */
  expectedChanges: number;
  /** Rows per batch (default DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  /**
   * The rows the plan found, ascending: the apply takes exactly these by Contact_RecID (one search
   * in all, the plan's), each only while it still holds its planned values. Absent: each batch
   * searches the job's WHERE itself.
   */
  planned?: { rows: readonly PlannedRow[]; checkAudit: boolean; inline?: boolean };
  /** Test-only: called inside the transaction after the first batch is written (failure injection, pauses). */
  afterJournal?: (signal?: AbortSignal) => Promise<void>;
  /** Aborted by a shutdown that ran out of grace: the transaction rolls back at the next step. */
  signal?: AbortSignal;
}

/**
 * Inside the pipeline's one transaction: update the rows and journal their before-values, lowest Contact_RecID first,
 * one round trip per batch of `batchSize` rows where the engine escalates row locks (SQL Server),
 * else all in one statement (see EngineAdapter.journaledBatch; no bare OUTPUT clause, which SQL
 * Server rejects on tables with enabled triggers). Each batch counts its rows that hold the new
 * value; the journal must hold exactly the planned rows, all holding it. Any error rolls all of it
 * back, so the journal and Contact always agree.
 */
export async function applyJournaled(
  trx: Transaction<Database>,
  adapter: EngineAdapter,
  input: ApplyInput,
): Promise<{ changed: number }> {
  const checkpoint = () => {
    if (input.signal?.aborted) throw new RunFailedError('Cancelled by shutdown before commit; rolled back.');
  };
  const size = batchSizeFor(adapter, input.batchSize);
  checkpoint();
  let journaled = 0;
  let holding = 0;
  let first = true;
  const oneBatch = async (after: number | null, planned: PlannedChunk | null) => {
    const batch = (await journaledBatchStatement(adapter, input, after, size, planned).execute(trx)).rows[0]!;
    journaled += Number(batch.written);
    holding += Number(batch.holding);
    if (first) await input.afterJournal?.(input.signal);
    first = false;
    checkpoint();
    return { picked: Number(batch.picked), last: batch.last === null ? null : Number(batch.last) };
  };
  if (input.planned) {
    const { rows, checkAudit, inline } = input.planned;
    // An engine that never escalates row locks takes them PLANNED_CHUNK at a time: the parameters of one statement stay small.
    for (const chunk of chunksOf(rows, size ?? PLANNED_CHUNK)) await oneBatch(null, { rows: chunk, checkAudit, inline });
  } else {
    await inBatches(size, (after) => oneBatch(after, null));
  }
  if (journaled !== input.expectedChanges) {
    throw new RunFailedError(
      `The data changed between plan and apply (planned ${input.expectedChanges} changes, found ${journaled}); rolled back, nothing was applied. Run again.`,
    );
  }
  // Each journaled row must hold the new value after its UPDATE. The driver's affected-row
  // count is no proof: a trigger's own statements add to it on SQL Server, and a trigger may
  // undo the change.
  if (holding !== journaled) {
    throw new RunFailedError(`Updated ${holding} of the ${journaled} journaled rows (the data moved during the run); rolled back.`);
  }
  checkpoint();
  return { changed: holding };
}

/** Planned rows a statement where no batch size applies (PostgreSQL). */
const PLANNED_CHUNK = 20_000;

export type StatementInput = Omit<ApplyInput, 'expectedChanges' | 'afterJournal' | 'signal' | 'planned'>;

/** `rows` in slices of `size` (all in one when null); none when there are no rows. */
function* chunksOf<T>(rows: readonly T[], size: number | null): Generator<readonly T[]> {
  const step = size ?? Math.max(rows.length, 1);
  for (let i = 0; i < rows.length; i += step) yield rows.slice(i, i + step);
}

/**
 * One batch, updated and journaled: the planned rows of `planned`, or else the rows after
 * Contact_RecID `after` (null: from the first), at most `size` of them.
 */
export function journaledBatchStatement(adapter: EngineAdapter, input: StatementInput, after: number | null, size: number | null, planned: PlannedChunk | null = null) {
  const { job, params, change, context } = input;
  const eb = expressionBuilder<Database, 'dbo.Contact'>();
  return adapter.statements.journaledBatch({
    where: changing(eb, job, params, change, context),
    set: Object.entries(setList(change, input.auditColumns, input.updatedBy, adapter)),
    column: change.column,
    newValue: change.journalValue,
    audit: journalAuditColumns(input.auditColumns),
    journalTable: cwMaintTables(input.journalSchema).journal,
    runId: input.runId,
    after,
    size,
    planned,
  });
}
