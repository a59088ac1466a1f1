import { expressionBuilder, sql, type Kysely } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import { differs as nullSafeDiffers } from '../../db/engine/null-safe.js';
import type { PlannedChunk, PlannedRow } from '../../db/engine/planned-rows.js';
import type { Database } from '../../db/model/schema.js';
import { changing, differs, jobWhere, type Change } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import { contactTotal } from '../job/plan.js';

/** Why a planned row is not applied. */
export type DriftReason = 'gone' | 'value' | 'edited' | 'holds' | 'target';

export interface DriftedRow {
  id: number;
  before: number | null;
  now: number | null;
  reason: DriftReason;
}

export interface DriftCheck {
  /** The planned rows that still hold their planned values and match the job: what an apply takes. */
  applying: PlannedRow[];
  drifted: DriftedRow[];
  /** Rows the job would change now that the plan does not hold (counted, never applied). */
  newlyMatching: number;
  /** Every contact now: what maxPercent is a share of. */
  totalContacts: number;
}

export function driftText(row: DriftedRow, column: string): string {
  const v = (x: number | null) => (x === null ? 'NULL' : String(x));
  switch (row.reason) {
    case 'gone':
      return 'the contact no longer exists';
    case 'value':
      return `${column} is now ${v(row.now)}, the plan saw ${v(row.before)}`;
    case 'edited':
      return 'edited since the plan (its audit columns changed)';
    case 'holds':
      return `${column} already holds the new value`;
    case 'target':
      return "no longer matches the job's target";
  }
}

/**
 * Each planned row as it is now, read by id in the same chunks an apply sends (one search of
 * the job's target only to count the rows that newly match). The reason is the first that holds,
 * in the order a DBA asks: is it there, did its value change, did anyone touch it, does it still
 * match. A read: the apply's UPDATE makes the same checks itself.
 */
export async function checkDrift(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  input: { job: AnyJob; params: Record<string, unknown>; change: Change; context: TargetContext; audit: ReadonlyArray<{ column: string; present: boolean; kind: 'time' | 'text' }> },
  planned: readonly PlannedRow[],
  chunkRows: number | null,
  inline: boolean,
): Promise<DriftCheck> {
  const { job, params, change, context } = input;
  const eb = expressionBuilder<Database, 'dbo.Contact'>();
  const recId = sql.ref('dbo.Contact.Contact_RecID');
  const column = sql`cast(${sql.ref(`dbo.Contact.${change.column}`)} as int)`;
  const edited = input.audit
    .map((a, i) => (a.present ? nullSafeDiffers(adapter.statements.auditText(sql.ref(`dbo.Contact.${a.column}`), a.kind), sql.ref(`f.a${i}`)) : null))
    .filter((x) => x !== null);
  const byId = new Map(planned.map((r) => [r.id, r]));
  const applying: PlannedRow[] = [];
  const drifted: DriftedRow[] = [];
  let planStillChanging = 0;
  const step = chunkRows ?? Math.max(planned.length, 1);
  for (let i = 0; i < planned.length; i += step) {
    const chunk: PlannedChunk = { rows: planned.slice(i, i + step), checkAudit: true, inline };
    // The job's WHERE is written once (each copy would be a subplan of its own): flags first, reasons from them.
    const flag = (condition: unknown) => sql`CASE WHEN ${condition} THEN 1 ELSE 0 END`;
    const { rows } = await sql<{ id: number; now_value: number | null; drift: DriftReason | null; changing_now: number }>`SELECT d.id, d.now_value,
  CASE WHEN d.found = 0 THEN 'gone' WHEN d.moved = 1 THEN 'value' WHEN d.edited = 1 THEN 'edited'
    WHEN d.matches = 1 AND d.differs = 1 THEN NULL WHEN d.matches = 1 THEN 'holds' ELSE 'target' END AS drift,
  CASE WHEN d.found = 1 AND d.matches = 1 AND d.differs = 1 THEN 1 ELSE 0 END AS changing_now
FROM (
  SELECT f.id AS id, ${column} AS now_value, ${flag(sql`${recId} IS NOT NULL`)} AS found,
    ${flag(nullSafeDiffers(column, sql.ref('f.before')))} AS moved,
    ${edited.length ? flag(sql.join(edited, sql` OR `)) : sql`0`} AS edited,
    ${flag(jobWhere(eb, job, params, context))} AS matches,
    ${flag(differs(eb, change))} AS differs
  FROM ${adapter.statements.plannedRelation(chunk)} LEFT JOIN ${sql.table('dbo.Contact')} ON ${recId} = f.id
) d
ORDER BY d.id`.execute(db);
    for (const r of rows) {
      const row = byId.get(Number(r.id))!;
      planStillChanging += Number(r.changing_now);
      if (r.drift === null) applying.push(row);
      else drifted.push({ id: row.id, before: row.before, now: r.now_value === null ? null : Number(r.now_value), reason: r.drift });
    }
  }
  const { rows: counts } = await sql<{ total: number; changing: number }>`SELECT
  ${contactTotal(context)} AS total,
  (SELECT count(*) FROM ${sql.table('dbo.Contact')} WHERE ${changing(eb, job, params, change, context)}) AS changing`.execute(db);
  return { applying, drifted, newlyMatching: Number(counts[0]!.changing) - planStillChanging, totalContacts: Number(counts[0]!.total) };
}
