import { sql, type RawBuilder } from 'kysely';
import { same } from './null-safe.js';

/**
 * A row a plan found. An apply takes the rows the plan found by Contact_RecID, never by searching
 * again, and each only while it still holds `before` (and `audit`, where checked): the
 * compare-and-set sits in the UPDATE's own WHERE.
 */
export interface PlannedRow {
  id: number;
  before: number | null;
  /**
   * The audit columns as the server rendered them when the plan was made (EngineStatements.auditText),
   * one per journal audit column in journalAuditColumns order; NULL where the value is NULL or
   * dbo.Contact lacks the column. Text the server renders and compares: never a JavaScript Date.
   */
  audit?: ReadonlyArray<string | null>;
}

/** One statement's rows: ascending Contact_RecID, with whether their audit values are checked. */
export interface PlannedChunk {
  rows: readonly PlannedRow[];
  checkAudit: boolean;
  /** Send the rows as literal VALUES: SQL Server below compatibility level 130 has no OPENJSON. */
  inline?: boolean;
}

/** How an engine sends a chunk of planned rows as one relation `f(id, before, a0, a1, a2)`. */
export type PlannedRelation = (chunk: PlannedChunk) => RawBuilder<unknown>;

/** The audit columns a relation carries, always three (journalAuditColumns): a0, a1, a2. */
export const AUDIT_SLOTS = 3;

/**
 * The conditions on Contact (`c`, a qualified reference to a column) a planned row must still
 * meet: its id, its before-value and, where checked, each present audit column as rendered now.
 */
export function stillAsPlanned(
  chunk: PlannedChunk,
  column: RawBuilder<unknown>,
  audit: ReadonlyArray<{ present: boolean; render: RawBuilder<unknown> }>,
): RawBuilder<boolean> {
  const checks = [same(sql`cast(${column} as int)`, sql.ref('f.before'))];
  if (chunk.checkAudit) audit.forEach((a, i) => a.present && checks.push(same(a.render, sql.ref(`f.a${i}`))));
  return sql<boolean>`${sql.join(checks, sql` AND `)}`;
}

/** The lowest and highest Contact_RecID of a chunk: each statement is a range seek. */
export function chunkRange(chunk: PlannedChunk): { lo: number; hi: number } {
  return { lo: chunk.rows[0]!.id, hi: chunk.rows[chunk.rows.length - 1]!.id };
}
