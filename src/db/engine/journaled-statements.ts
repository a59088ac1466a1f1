import type { Expression, RawBuilder, SqlBool } from 'kysely';
import type { PlannedChunk } from './planned-rows.js';

/**
 * One batch of an apply, as the runner hands it to an engine: update at most `size` rows of
 * dbo.Contact that match `where`, after Contact_RecID `after`, lowest first, and journal each
 * one's before-values (and its audit columns right after) in the same round trip. Each engine
 * writes it as one statement or one batch (see its adapter).
 */
export interface JournaledBatch {
  /** The job's target and "the value differs", on dbo.Contact. */
  where: Expression<SqlBool>;
  /** The SET list: the job's column and the audit columns, as column name and value (a value or an expression). */
  set: ReadonlyArray<readonly [column: string, value: unknown]>;
  /** The job's column (Disable_Flag, Portal_Security_Level): journaled as an int. */
  column: string;
  /**
   * Its new value as an int (the journal's form; NULL allowed), over dbo.Contact as it is before
   * the update: a bound constant, or a restored job's journaled before-value. The SET list writes
   * the same value in the column's own type.
   */
  newValue: RawBuilder<number | null>;
  /** Every audit column the journal has room for, with whether dbo.Contact has it. */
  audit: ReadonlyArray<{ column: string; before: string; after: string; present: boolean; kind: 'time' | 'text' }>;
  journalTable: string;
  runId: number;
  /** The last Contact_RecID of the previous batch; null for the first batch (no lower bound: -2^31 is a RecID too). */
  after: number | null;
  /** null: every row in one statement (an engine that never escalates row locks). */
  size: number | null;
  /**
   * The rows the plan found: the batch takes exactly these, by Contact_RecID (`after` and `size`
   * unused), each only while it still meets `where` and holds its planned values. null: the
   * batch searches `where` itself.
   */
  planned: PlannedChunk | null;
}

export interface JournaledBatchResult {
  /** Rows the batch selected (fewer than `size`: this was the last batch). */
  picked: number;
  /** Rows updated and journaled. */
  written: number;
  /** Of those, rows that hold the new value right after the update (a trigger may have undone it). */
  holding: number;
  /** The highest Contact_RecID picked, where the next batch starts; null when none. */
  last: number | null;
}

export type JournaledBatchStatement = RawBuilder<JournaledBatchResult>;


/**
 * An undo's restore, as the runner hands it to an engine: give each row `where` selects (over the
 * undone run's journal `j` joined to its Contact row `c`) its journaled old value back, and journal
 * the undo's own rows (before-values, and the audit columns right after) in the same round trip:
 * the journal is only ever INSERTed into.
 */
export interface JournaledRestore {
  /** Over `j` (the undone run's journal rows) and `c` (dbo.Contact). */
  where: Expression<SqlBool>;
  /** The restored column's value from a journaled int (a flag is cast to the engine's bit/boolean). */
  typed: (value: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** The audit columns' SET list (the restored column comes from `typed`). */
  set: ReadonlyArray<readonly [column: string, value: unknown]>;
  column: string;
  audit: JournaledBatch['audit'];
  journalTable: string;
  /** The undo's own run id, and the run it undoes. */
  runId: number;
  undoneRunId: number;
}
