import { sql } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import type { AuditColumn, ChangeableColumn } from '../../db/model/schema.js';
import { journalAuditColumn, journalAuditColumns } from '../../journal/journal-audit.js';
import { differs, same } from '../../db/engine/null-safe.js';
import { typedValue } from '../../vocabulary/change.js';
import { afterRecId } from '../../db/engine/journaled-sql.js';

/**
 * The statements of an undo, one named function each. The journal is aliased j (the undone run's
 * rows) and the Contact row c; comparisons are NULL-safe (null-safe.ts).
 */
export interface UndoTarget {
  journalSchema: string;
  /** The run being undone. */
  runId: number;
  column: ChangeableColumn;
  /** Audit columns to compare (those the table has, when the undone run recorded them). */
  auditColumns: readonly AuditColumn[];
}

const journalTable = (schema: string) => sql.table(`${schema}.journal`);
const valueNow = (column: ChangeableColumn) => sql`cast(${sql.ref(`c.${column}`)} as int)`;

/** The row is as the undone run left it: its value, and its audit columns, are what the run wrote. */
function untouched(t: UndoTarget) {
  const checks = [same(valueNow(t.column), sql.ref('j.new_value')), ...t.auditColumns.map((a) => same(sql.ref(`c.${a}`), sql.ref(`j.${journalAuditColumn(a).after}`)))];
  return sql<boolean>`(${sql.join(checks, sql` AND `)})`;
}

/** Someone changed the row since (any of the compared columns differs). */
function touched(t: UndoTarget) {
  const checks = [differs(valueNow(t.column), sql.ref('j.new_value')), ...t.auditColumns.map((a) => differs(sql.ref(`c.${a}`), sql.ref(`j.${journalAuditColumn(a).after}`)))];
  return sql<boolean>`(${sql.join(checks, sql` OR `)})`;
}

/** The rows an undo restores: untouched ones, and with --force touched ones not already back at their old value. */
function restorable(t: UndoTarget, force: boolean) {
  const forced = sql`(${touched(t)} AND ${differs(valueNow(t.column), sql.ref('j.old_value'))})`;
  return force ? sql<boolean>`(${untouched(t)} OR ${forced})` : untouched(t);
}

const fromJournalAndContact = (t: UndoTarget) =>
  sql`${journalTable(t.journalSchema)} j LEFT JOIN ${sql.table('dbo.Contact')} c ON c.${sql.ref('Contact_RecID')} = j.${sql.ref('contact_recid')}`;
const ofTheRun = (t: UndoTarget) => sql`j.${sql.ref('run_id')} = ${t.runId} AND j.${sql.ref('column_name')} = ${t.column}`;

/** Counts for the plan: journaled rows, rows restorable, conflicts (touched since), contacts gone. */
export function undoCountQuery(t: UndoTarget) {
  const exists = sql`c.${sql.ref('Contact_RecID')} IS NOT NULL`;
  return sql<{ journaled: number; restorable: number; conflicts: number; forcible: number; missing: number }>`
    SELECT cast(count(*) as int) AS journaled,
      cast(coalesce(sum(CASE WHEN ${exists} AND ${untouched(t)} THEN 1 ELSE 0 END), 0) as int) AS restorable,
      cast(coalesce(sum(CASE WHEN ${exists} AND ${touched(t)} THEN 1 ELSE 0 END), 0) as int) AS conflicts,
      cast(coalesce(sum(CASE WHEN ${exists} AND ${touched(t)} AND ${differs(valueNow(t.column), sql.ref('j.old_value'))} THEN 1 ELSE 0 END), 0) as int) AS forcible,
      cast(coalesce(sum(CASE WHEN ${exists} THEN 0 ELSE 1 END), 0) as int) AS missing
    FROM ${fromJournalAndContact(t)}
    WHERE ${ofTheRun(t)}`;
}

/**
 * Rows of one kind, lowest contact_recid first: restorable ones, or conflicts. `limit` rows for the
 * plan's preview; for a report, one keyset page (`after` the page before's last contact_recid, at
 * most `limit`). `notIn` leaves out the rows an undo run already journaled (the ones it restored).
 */
export function undoRowsQuery(t: UndoTarget, kind: 'restore' | 'conflict', rows: { limit: number; after?: number; notIn?: number }) {
  const which = kind === 'restore' ? untouched(t) : touched(t);
  const { limit, after, notIn } = rows;
  const restored = notIn === undefined
    ? sql``
    : sql` AND NOT EXISTS (SELECT u.${sql.ref('contact_recid')} FROM ${journalTable(t.journalSchema)} u WHERE u.${sql.ref('run_id')} = ${notIn} AND u.${sql.ref('contact_recid')} = j.${sql.ref('contact_recid')})`;
  const following = after === undefined ? sql`` : sql` AND j.${sql.ref('contact_recid')} > ${after}`;
  return sql<{ contact_recid: number; first_name: string | null; last_name: string | null; company_id: string | null; company_name: string | null; old_value: number | null; new_value: number | null; now_value: number | null }>`
    SELECT j.${sql.ref('contact_recid')} AS contact_recid, c.${sql.ref('First_Name')} AS first_name, c.${sql.ref('Last_Name')} AS last_name,
      co.${sql.ref('Company_ID')} AS company_id, co.${sql.ref('Company_Name')} AS company_name, j.${sql.ref('old_value')} AS old_value,
      j.${sql.ref('new_value')} AS new_value, ${valueNow(t.column)} AS now_value
    FROM ${fromJournalAndContact(t)} LEFT JOIN ${sql.table('dbo.Company')} co ON co.${sql.ref('Company_RecID')} = c.${sql.ref('Company_RecID')}
    WHERE ${ofTheRun(t)} AND c.${sql.ref('Contact_RecID')} IS NOT NULL AND ${which}${restored}${following}
    ORDER BY j.${sql.ref('contact_recid')} OFFSET 0 ROWS FETCH NEXT ${sql.raw(String(limit))} ROWS ONLY`;
}

/**
 * Gives each restorable row its value back and journals it (its value now as the old value, the
 * value it gets back as the new one, the audit columns before and right after), in one round trip;
 * with `range`, only the rows with Contact_RecID in (after, last] (one batch on SQL Server).
 */
export function undoRestore(
  t: UndoTarget,
  undoRunId: number,
  force: boolean,
  adapter: EngineAdapter,
  presentAudit: readonly AuditColumn[],
  updatedBy: string,
  range?: { after: number | null; last: number },
) {
  const inRange = range
    ? sql`${afterRecId(sql.ref('j.contact_recid'), range.after)} AND j.${sql.ref('contact_recid')} <= ${range.last}`
    : sql``;
  const set: Array<readonly [string, unknown]> = [];
  if (presentAudit.includes('Last_Update')) set.push(['Last_Update', adapter.statements.localNow()]);
  if (presentAudit.includes('Last_Update_UTC')) set.push(['Last_Update_UTC', adapter.statements.utcNow()]);
  if (presentAudit.includes('Updated_By')) set.push(['Updated_By', updatedBy]);
  return adapter.statements.journaledRestore({
    where: sql<boolean>`${ofTheRun(t)} AND ${restorable(t, force)}${inRange}`,
    typed: (value) => typedValue(t.column, adapter, value),
    set,
    column: t.column,
    audit: journalAuditColumns(presentAudit),
    journalTable: `${t.journalSchema}.journal`,
    runId: undoRunId,
    undoneRunId: t.runId,
  });
}

/** The undo run's journaled rows whose Contact row now holds the restored value. */
export function undoVerifyQuery(t: UndoTarget, undoRunId: number) {
  return sql<{ n: number }>`
    SELECT cast(count(*) as int) AS n FROM ${journalTable(t.journalSchema)} j INNER JOIN ${sql.table('dbo.Contact')} c ON c.${sql.ref('Contact_RecID')} = j.${sql.ref('contact_recid')}
    WHERE j.${sql.ref('run_id')} = ${undoRunId} AND ${same(valueNow(t.column), sql.ref('j.new_value'))}`;
}

/** The next batch of an undo: how many of the undone run's journaled rows follow Contact_RecID `after` (at most `size`), and the last of them. */
export function undoBatchBounds(journalSchema: string, undoneRunId: number, after: number | null, size: number) {
  return sql<{ picked: number; last: number | null }>`
    SELECT cast(count(*) as int) AS picked, max(b.id) AS last FROM (
      SELECT u.${sql.ref('contact_recid')} AS id FROM ${journalTable(journalSchema)} u
      WHERE u.${sql.ref('run_id')} = ${undoneRunId}${afterRecId(sql.ref('u.contact_recid'), after)}
      ORDER BY u.${sql.ref('contact_recid')} OFFSET 0 ROWS FETCH NEXT ${sql.raw(String(size))} ROWS ONLY
    ) b`;
}
