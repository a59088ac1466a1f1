import type { AuditColumn } from '../db/model/schema.js';

/**
 * The audit columns in the journal: their values before a change (read with the before-value)
 * and right after it, read back inside the same transaction so that a trigger's own stamp counts.
 * An undo compares them with the row as it is now: a row anyone touched since is a conflict,
 * whichever column they changed.
 */
const JOURNAL_COLUMN: Record<AuditColumn, { before: string; after: string; kind: 'time' | 'text' }> = {
  Last_Update: { before: 'old_last_update', after: 'new_last_update', kind: 'time' },
  Last_Update_UTC: { before: 'old_last_update_utc', after: 'new_last_update_utc', kind: 'time' },
  Updated_By: { before: 'old_updated_by', after: 'new_updated_by', kind: 'text' },
};
const AUDIT = Object.keys(JOURNAL_COLUMN) as AuditColumn[];

export const JOURNAL_AUDIT_BEFORE = AUDIT.map((c) => JOURNAL_COLUMN[c].before) as Array<'old_last_update' | 'old_last_update_utc' | 'old_updated_by'>;

/** Every audit column's journal columns, and whether dbo.Contact has it (an apply's batches fill them). */
export function journalAuditColumns(present: readonly string[]) {
  return AUDIT.map((column) => ({ column, ...JOURNAL_COLUMN[column], present: present.includes(column) }));
}

/** Journal column names of the audit columns, for the undo's conflict check. */
export function journalAuditColumn(column: AuditColumn) {
  return JOURNAL_COLUMN[column];
}
