import { sql } from 'kysely';
import { auditAfterFromContact, changedAuditColumns, journalAuditNames, outputAuditBefore, setClause } from '../engine/journaled-sql.js';
import type { JournaledRestore } from '../engine/journaled-statements.js';

/**
 * SQL Server: the undo's batch, shaped as an apply's (see mssql-journaled-batch.ts): UPDATE ...
 * OUTPUT deleted... INTO a table variable, then the journal INSERT from it, with the value restored
 * read again from the undone run's journal. A single-table UPDATE with subqueries, and OUTPUT of bare
 * `deleted` columns only: Babelfish rejects an aliased UPDATE ... FROM with OUTPUT, and expressions there.
 */
export function mssqlJournaledRestore(r: JournaledRestore) {
  const journal = sql.table(r.journalTable);
  const restoreTo = sql`(SELECT u.${sql.ref('old_value')} FROM ${journal} u WHERE u.${sql.ref('run_id')} = ${r.undoneRunId} AND u.${sql.ref('column_name')} = ${r.column} AND u.${sql.ref('contact_recid')} = ${sql.ref('dbo.Contact.Contact_RecID')})`;
  const set = setClause([[r.column, r.typed(restoreTo)], ...r.set]);
  const journalColumns = ['run_id', 'contact_recid', 'column_name', 'old_value', 'new_value', ...journalAuditNames(r.audit)];
  return sql<{ written: number }>`DECLARE @changed TABLE (id int NOT NULL PRIMARY KEY, old_value int NULL, ${changedAuditColumns(r.audit)});
UPDATE ${sql.table('dbo.Contact')} SET ${set}
OUTPUT deleted.Contact_RecID, deleted.${sql.ref(r.column)}, ${outputAuditBefore(r.audit)} INTO @changed
WHERE ${sql.ref('dbo.Contact.Contact_RecID')} IN (
  SELECT j.${sql.ref('contact_recid')} FROM ${journal} j JOIN ${sql.table('dbo.Contact')} c ON c.${sql.ref('Contact_RecID')} = j.${sql.ref('contact_recid')} WHERE ${r.where}
);
INSERT INTO ${sql.table(r.journalTable)} (${sql.join(journalColumns.map((c) => sql.ref(c)))})
SELECT ${r.runId}, ch.id, ${r.column}, ch.old_value, j.${sql.ref('old_value')}, ${sql.join(r.audit.map((a) => sql`ch.${sql.ref(a.before)}`))}, ${auditAfterFromContact(r.audit)}
FROM @changed ch JOIN ${sql.table('dbo.Contact')} c ON c.Contact_RecID = ch.id
  JOIN ${sql.table(r.journalTable)} j ON j.${sql.ref('run_id')} = ${r.undoneRunId} AND j.${sql.ref('column_name')} = ${r.column} AND j.${sql.ref('contact_recid')} = ch.id;
SELECT (SELECT COUNT(*) FROM @changed) AS written;`;
}
