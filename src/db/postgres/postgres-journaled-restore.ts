import { sql } from 'kysely';
import { journalAuditNames, setClause } from '../engine/journaled-sql.js';
import type { JournaledRestore } from '../engine/journaled-statements.js';
import { nullAs } from './postgres-journaled-batch.js';

/** PostgreSQL: the undo in one statement, shaped as an apply's batch (see postgres-journaled-batch.ts). */
export function postgresJournaledRestore(r: JournaledRestore) {
  const oldAudit = r.audit.map((a) => (a.present ? sql`c.${sql.ref(a.column)} AS ${sql.ref(a.before)}` : nullAs(a.before)));
  const newAudit = r.audit.map((a) => (a.present ? sql`${sql.ref(`dbo.Contact.${a.column}`)} AS ${sql.ref(a.after)}` : nullAs(a.after)));
  const set = setClause([[r.column, r.typed(sql.ref('pick.restore_to'))], ...r.set]);
  const audit = journalAuditNames(r.audit);
  return sql<{ written: number }>`WITH upd AS (
  UPDATE ${sql.table('dbo.Contact')} SET ${set}
  FROM (
    SELECT c.${sql.ref('Contact_RecID')} AS id, cast(c.${sql.ref(r.column)} as int) AS old_value, j.${sql.ref('old_value')} AS restore_to, ${sql.join(oldAudit)}
    FROM ${sql.table(r.journalTable)} j JOIN ${sql.table('dbo.Contact')} c ON c.${sql.ref('Contact_RecID')} = j.${sql.ref('contact_recid')}
    WHERE ${r.where}
    FOR UPDATE OF c
  ) AS pick
  WHERE ${sql.ref('dbo.Contact.Contact_RecID')} = pick.id
  RETURNING pick.*, ${sql.join(newAudit)}
), ins AS (
  INSERT INTO ${sql.table(r.journalTable)} (run_id, contact_recid, column_name, old_value, new_value, ${sql.join(audit.map((c) => sql.ref(c)))})
  SELECT cast(${r.runId} as int), id, cast(${r.column} as varchar(128)), old_value, restore_to, ${sql.join(audit.map((c) => sql.ref(c)))}
  FROM upd
)
SELECT cast(count(*) as int) AS written FROM upd`;
}
