import { sql, type RawBuilder } from 'kysely';
import type { JournaledBatch } from './journaled-statements.js';

type Audit = JournaledBatch['audit'];

/** A SET list from (column, value) pairs: a value is bound, an expression inlined. */
export function setClause(entries: ReadonlyArray<readonly [column: string, value: unknown]>) {
  return sql.join(entries.map(([column, value]) => sql`${sql.ref(column)} = ${value}`));
}

/** " AND <recId> > after", or nothing for the first batch (every int, -2^31 included, is a possible RecID). */
export function afterRecId(recId: RawBuilder<unknown>, after: number | null) {
  return after === null ? sql`` : sql` AND ${recId} > ${after}`;
}

/** The journal's audit columns, before-values then after-stamps, in the order the statements write them. */
export function journalAuditNames(audit: Audit): string[] {
  return [...audit.map((a) => a.before), ...audit.map((a) => a.after)];
}

/** SQL Server: @changed's audit columns, typed as the journal's own. */
export function changedAuditColumns(audit: Audit) {
  return sql.join(audit.map((a) => sql`${sql.ref(a.before)} ${sql.raw(a.before.endsWith('_by') ? 'nvarchar(128)' : 'datetime2')} NULL`));
}

/** SQL Server: the audit columns as OUTPUT sees them before the change (bare `deleted` columns; NULL where absent). */
export function outputAuditBefore(audit: Audit) {
  return sql.join(audit.map((a) => (a.present ? sql`deleted.${sql.ref(a.column)}` : sql`NULL`)));
}

/** SQL Server: the audit columns read back from Contact `c` after the UPDATE (NULL where absent). */
export function auditAfterFromContact(audit: Audit) {
  return sql.join(audit.map((a) => (a.present ? sql`c.${sql.ref(a.column)}` : sql`NULL`)));
}
