import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { AUDIT_COLUMNS, type AuditColumn, type ChangeableColumn } from '../db/model/schema.js';
import { journalAuditColumn } from '../journal/journal-audit.js';
import { same } from '../db/engine/null-safe.js';
import type { Reverts, TargetContext } from './job-definition.js';

/**
 * What a reverting job (restore-reactivated) reads of cw-maint's journal: the contact's latest
 * journaled change of a column, by a run that succeeded, and the run row it points to (job, mode,
 * undo_of_run_id). No journal column beyond those the journal always had.
 */

const contactId = sql.ref('dbo.Contact.Contact_RecID');

/** The run id of the contact's latest journaled change of `column` by a run that succeeded. */
function latestRunId(column: ChangeableColumn, context: TargetContext): RawBuilder<number> {
  return sql<number>`(
        SELECT max(j2.${sql.ref('run_id')}) FROM ${sql.table(`${context.journalSchema}.journal`)} j2
        INNER JOIN ${sql.table(`${context.journalSchema}.run`)} r2 ON r2.${sql.ref('run_id')} = j2.${sql.ref('run_id')}
        WHERE j2.${sql.ref('contact_recid')} = ${contactId} AND j2.${sql.ref('column_name')} = ${column} AND r2.${sql.ref('status')} = ${'succeeded'})`;
}

/** Whose change `r` (the run) is: an apply of a named job, or an undo (`u`: the run it undid) that re-applied one. */
function madeBy(of: Reverts['of']): RawBuilder<boolean> {
  if (of === 'any-apply') return sql<boolean>`r.${sql.ref('mode')} = ${'apply'}`;
  const jobs = sql.join(of.jobs.map((job) => sql`${job}`));
  // An undo run carries the job of the run it undid; an undo of an undo re-applies that job's change.
  return sql<boolean>`r.${sql.ref('job')} IN (${jobs}) AND (r.${sql.ref('mode')} = ${'apply'} OR (r.${sql.ref('mode')} = ${'undo'} AND u.${sql.ref('mode')} = ${'undo'}))`;
}

/**
 * The contact's latest journaled change of `column` wrote `reverts.value`, was made as
 * `reverts.of` says, and nobody has touched the row since: the column still holds that value and
 * the audit columns still hold what that run wrote (for runs journaled before the audit columns
 * were recorded, and tables without them, the column alone is checked). An undo journals a newer
 * change, so an undone change is never the latest.
 */
export function latestChangeReverted(column: ChangeableColumn, reverts: Reverts, context: TargetContext): Expression<SqlBool> {
  const audit = (AUDIT_COLUMNS as readonly AuditColumn[]).filter((c) => context.auditColumns.includes(c));
  const untouched = audit.length
    ? sql`(r.${sql.ref('journal_version')} IS NULL OR (${sql.join(
        audit.map((c) => same(sql.ref(`dbo.Contact.${c}`), sql.ref(`j.${journalAuditColumn(c).after}`))),
        sql` AND `,
      )}))`
    : sql`1 = 1`;
  // The column test first, outside the subquery: it alone rules out most contacts, cheaply.
  return sql<SqlBool>`(${sql.ref(`dbo.Contact.${column}`)} = ${reverts.value} AND ${latestChangeBy(column, reverts.of, context, [
    sql`j.${sql.ref('new_value')} = ${Number(reverts.value)}`,
    untouched,
  ])})`;
}

/** The contact's latest journaled change of `column` (by a run that succeeded) was made as `of` says, and meets `also` (over j, r, u). */
export function latestChangeBy(column: ChangeableColumn, of: Reverts['of'], context: TargetContext, also: readonly RawBuilder<unknown>[] = []): Expression<SqlBool> {
  const run = sql.table(`${context.journalSchema}.run`);
  return sql<SqlBool>`EXISTS (
    SELECT j.${sql.ref('run_id')} FROM ${sql.table(`${context.journalSchema}.journal`)} j
    INNER JOIN ${run} r ON r.${sql.ref('run_id')} = j.${sql.ref('run_id')}
    LEFT JOIN ${run} u ON u.${sql.ref('run_id')} = r.${sql.ref('undo_of_run_id')}
    WHERE j.${sql.ref('contact_recid')} = ${contactId} AND j.${sql.ref('column_name')} = ${column}
      AND r.${sql.ref('status')} = ${'succeeded'} AND ${madeBy(of)}${sql.join(also.map((c) => sql` AND ${c}`), sql``)}
      AND j.${sql.ref('run_id')} = ${latestRunId(column, context)})`;
}

/** The before-value (an int, or NULL) of the contact's latest journaled change of `column`: what restoring it writes back. */
export function journaledBefore(column: ChangeableColumn, context: TargetContext): RawBuilder<number | null> {
  return sql<number | null>`(SELECT j.${sql.ref('old_value')} FROM ${sql.table(`${context.journalSchema}.journal`)} j
    WHERE j.${sql.ref('contact_recid')} = ${contactId} AND j.${sql.ref('column_name')} = ${column} AND j.${sql.ref('run_id')} = ${latestRunId(column, context)})`;
}
