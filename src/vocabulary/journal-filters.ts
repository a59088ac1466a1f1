import { sql, type Expression, type SqlBool } from 'kysely';
import { AUDIT_COLUMNS, type AuditColumn } from '../db/model/schema.js';
import { journalAuditColumn } from '../journal/journal-audit.js';
import { same } from '../db/null-safe.js';
import type { ContactExpressionBuilder, TargetContext } from './job-definition.js';


/**
 * The contact's latest journaled change of `column` (by a run that succeeded) is a cw-maint apply
 * that set it to `value`, and nobody has touched the row since: its audit columns still hold what
 * that run wrote (for runs journaled before the audit columns were recorded, and tables without
 * them, the column itself still holding `value` is all that can be checked, and the caller
 * requires that). An undo journals a newer change, so an undone change is never "latest".
 */
export function lastChangedByCwMaintApply(
  _eb: ContactExpressionBuilder,
  column: 'Disable_Flag',
  value: number,
  context: TargetContext,
): Expression<SqlBool> {
  const journal = sql.table(`${context.journalSchema}.journal`);
  const run = sql.table(`${context.journalSchema}.run`);
  const contactId = sql.ref('dbo.Contact.Contact_RecID');
  const audit = (AUDIT_COLUMNS as readonly AuditColumn[]).filter((c) => context.auditColumns.includes(c));
  const untouched = audit.length
    ? sql`(r.${sql.ref('journal_version')} IS NULL OR (${sql.join(
        audit.map((c) => same(sql.ref(`dbo.Contact.${c}`), sql.ref(`j.${journalAuditColumn(c).after}`))),
        sql` AND `,
      )}))`
    : sql`1 = 1`;
  return sql<SqlBool>`EXISTS (
    SELECT j.${sql.ref('run_id')} FROM ${journal} j INNER JOIN ${run} r ON r.${sql.ref('run_id')} = j.${sql.ref('run_id')}
    WHERE j.${sql.ref('contact_recid')} = ${contactId} AND j.${sql.ref('column_name')} = ${column}
      AND j.${sql.ref('new_value')} = ${value} AND r.${sql.ref('mode')} = ${'apply'} AND r.${sql.ref('status')} = ${'succeeded'}
      AND ${untouched}
      AND j.${sql.ref('run_id')} = (
        SELECT max(j2.${sql.ref('run_id')}) FROM ${journal} j2 INNER JOIN ${run} r2 ON r2.${sql.ref('run_id')} = j2.${sql.ref('run_id')}
        WHERE j2.${sql.ref('contact_recid')} = ${contactId} AND j2.${sql.ref('column_name')} = ${column} AND r2.${sql.ref('status')} = ${'succeeded'}))`;
}
