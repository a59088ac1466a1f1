import { sql } from 'kysely';
import { same } from '../engine/null-safe.js';
import { afterRecId, journalAuditNames, setClause } from '../engine/journaled-sql.js';
import { chunkRange, stillAsPlanned } from '../engine/planned-rows.js';
import { postgresAuditText, postgresPlannedRelation } from './postgres-planned-rows.js';
import type { JournaledBatch, JournaledBatchResult, JournaledBatchStatement } from '../engine/journaled-statements.js';

const contact = sql.table('dbo.Contact');
const recId = sql.ref('dbo.Contact.Contact_RecID');
/** A journal audit column dbo.Contact does not have, typed as the journal's own (a bare NULL in a CTE is text). */
export const nullAs = (name: string) => sql`cast(NULL as ${sql.raw(name.endsWith('_by') ? 'varchar(128)' : 'timestamp')}) AS ${sql.ref(name)}`;

/**
 * PostgreSQL: one statement. The sub-select `pick` locks the batch's rows (FOR UPDATE re-checks
 * the WHERE on a row changed meanwhile) and reads their before-values; the UPDATE changes exactly
 * those rows and RETURNs the before-values beside the audit columns as written (after any BEFORE
 * trigger), which the journal INSERT takes. RETURNING alone cannot give before-values, hence `pick`.
 */
export function postgresJournaledBatch(b: JournaledBatch): JournaledBatchStatement {
  const oldAudit = b.audit.map((a) => (a.present ? sql`${sql.ref(`dbo.Contact.${a.column}`)} AS ${sql.ref(a.before)}` : nullAs(a.before)));
  const newAudit = b.audit.map((a) => (a.present ? sql`${sql.ref(`dbo.Contact.${a.column}`)} AS ${sql.ref(a.after)}` : nullAs(a.after)));
  const set = setClause(b.set);
  const audit = journalAuditNames(b.audit);
  const column = sql.ref(`dbo.Contact.${b.column}`);
  return sql<JournaledBatchResult>`WITH upd AS (
  UPDATE ${contact} SET ${set}
  FROM (
    SELECT ${recId} AS id, cast(${column} as int) AS old_value, ${b.newValue} AS new_value, ${sql.join(oldAudit)}
    ${b.planned ? plannedPick(b) : searchPick(b)}
  ) AS pick
  WHERE ${recId} = pick.id
  RETURNING pick.*, ${sql.join(newAudit)}, ${same(sql`cast(${column} as int)`, sql.ref('pick.new_value'))} AS holds
), ins AS (
  INSERT INTO ${sql.table(b.journalTable)} (run_id, contact_recid, column_name, old_value, new_value, ${sql.join(audit.map((c) => sql.ref(c)))})
  SELECT cast(${b.runId} as int), id, cast(${b.column} as varchar(128)), old_value, new_value, ${sql.join(audit.map((c) => sql.ref(c)))}
  FROM upd
)
SELECT ${b.planned ? sql`cast(${b.planned.rows.length} as int)` : sql`cast(count(*) as int)`} AS picked, cast(count(*) as int) AS written, cast(sum(case when holds then 1 else 0 end) as int) AS holding, max(id) AS last FROM upd`;
}

/** The batch's rows found by its own search: the next `size` after `after`. */
function searchPick(b: JournaledBatch) {
  return sql`FROM ${contact}
    WHERE ${b.where}${afterRecId(recId, b.after)}${b.size === null ? sql`` : sql`
    ORDER BY ${recId}
    LIMIT ${b.size}`}
    FOR UPDATE`;
}

/** The planned rows, by Contact_RecID, each still meeting the WHERE and holding its planned values. */
function plannedPick(b: JournaledBatch) {
  const chunk = b.planned!;
  const { lo, hi } = chunkRange(chunk);
  const audit = b.audit.map((a) => ({ present: a.present, render: postgresAuditText(sql.ref(`dbo.Contact.${a.column}`), a.kind) }));
  return sql`FROM ${postgresPlannedRelation(chunk)} JOIN ${contact} ON ${recId} = f.id
    WHERE ${recId} BETWEEN ${lo} AND ${hi} AND ${b.where} AND ${stillAsPlanned(chunk, sql.ref(`dbo.Contact.${b.column}`), audit)}
    FOR UPDATE OF ${sql.raw('"Contact"')}`;
}
