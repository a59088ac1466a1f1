import { sql } from 'kysely';
import { same } from '../engine/null-safe.js';
import { afterRecId, auditAfterFromContact, changedAuditColumns, journalAuditNames, outputAuditBefore, setClause } from '../engine/journaled-sql.js';
import { chunkRange, stillAsPlanned } from '../engine/planned-rows.js';
import { mssqlAuditText, mssqlPlannedRelation } from './mssql-planned-rows.js';
import type { JournaledBatch, JournaledBatchResult, JournaledBatchStatement } from '../engine/journaled-statements.js';

const contact = sql.table('dbo.Contact');
const recId = sql.ref('dbo.Contact.Contact_RecID');

/**
 * SQL Server: one batch, one round trip. The batch's upper Contact_RecID comes first (TOP ...
 * ORDER BY), so the UPDATE is a key-range seek that takes at most `size` row locks: below the
 * 5,000 at which SQL Server escalates to a table lock and blocks ConnectWise itself.
 * OUTPUT ... INTO a table variable is allowed on a table with triggers (a bare OUTPUT is not), and
 * a table variable has no triggers, foreign keys or checks, which OUTPUT INTO requires of its
 * target; the journal (which has a foreign key) is filled from it. The audit columns are read
 * back after the UPDATE, so an AFTER trigger's own stamp is what the journal keeps. The new value
 * is the one the UPDATE wrote (`inserted`): the SET list's constant, or a restored job's journaled
 * before-value. OUTPUT lists
 * bare columns (a bit converts to @changed's int on insert): Babelfish rejects an expression over
 * `deleted` there, which SQL Server allows. No SET NOCOUNT: Babelfish keeps a SET made inside
 * sp_executesql for the rest of the session, and later statements on that pooled connection would
 * report no row counts.
 */
export function mssqlJournaledBatch(b: JournaledBatch): JournaledBatchStatement {
  const journalColumns = ['run_id', 'contact_recid', 'column_name', 'old_value', 'new_value', ...journalAuditNames(b.audit)];
  return sql<JournaledBatchResult>`DECLARE @changed TABLE (id int NOT NULL PRIMARY KEY, old_value int NULL, new_value int NULL, ${changedAuditColumns(b.audit)});
DECLARE @hi int, @picked int;
${b.planned ? plannedUpdate(b) : searchedUpdate(b)};
INSERT INTO ${sql.table(b.journalTable)} (${sql.join(journalColumns.map((c) => sql.ref(c)))})
SELECT ${b.runId}, ch.id, ${b.column}, ch.old_value, ch.new_value, ${sql.join(b.audit.map((a) => sql`ch.${sql.ref(a.before)}`))}, ${auditAfterFromContact(b.audit)}
FROM @changed ch JOIN ${contact} c ON c.Contact_RecID = ch.id;
SELECT @picked AS picked, (SELECT COUNT(*) FROM @changed) AS written,
  (SELECT COUNT(*) FROM @changed ch JOIN ${contact} c ON c.Contact_RecID = ch.id WHERE ${same(sql`cast(c.${sql.ref(b.column)} as int)`, sql.ref('ch.new_value'))}) AS holding, @hi AS last;`;
}

const output = (b: JournaledBatch) => sql`OUTPUT deleted.Contact_RecID, deleted.${sql.ref(b.column)}, inserted.${sql.ref(b.column)}, ${outputAuditBefore(b.audit)} INTO @changed`;

/** The batch's rows found by its own search: the next `size` after `after`, their upper RecID first. */
function searchedUpdate(b: JournaledBatch) {
  return sql`SELECT @hi = MAX(t.id), @picked = COUNT(*) FROM (
  SELECT TOP (${b.size}) ${recId} AS id FROM ${contact} WHERE ${b.where}${afterRecId(recId, b.after)} ORDER BY ${recId}
) t;
UPDATE ${contact} SET ${setClause(b.set)}
${output(b)}
WHERE ${recId} <= @hi${afterRecId(recId, b.after)} AND ${b.where}`;
}

/**
 * The planned rows, by Contact_RecID within the chunk's range, each still meeting the WHERE and
 * holding its planned values. dbo.Contact stays out of the FROM (T-SQL joins the target
 * implicitly): Babelfish rejects OUTPUT deleted.* when the target is also joined in FROM.
 */
function plannedUpdate(b: JournaledBatch) {
  const chunk = b.planned!;
  const { lo, hi } = chunkRange(chunk);
  const audit = b.audit.map((a) => ({ present: a.present, render: mssqlAuditText(sql.ref(`dbo.Contact.${a.column}`), a.kind) }));
  return sql`SELECT @hi = ${hi}, @picked = ${chunk.rows.length};
UPDATE ${contact} SET ${setClause(b.set)}
${output(b)}
FROM ${mssqlPlannedRelation(chunk)}
WHERE f.id = ${recId} AND ${recId} BETWEEN ${lo} AND ${hi} AND ${b.where} AND ${stillAsPlanned(chunk, sql.ref(`dbo.Contact.${b.column}`), audit)}`;
}
