import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { cwMaintTables } from './tables.js';

export interface ShownRow {
  contactRecId: number;
  firstName: string | null;
  lastName: string | null;
  name: string;
  companyId: string | null;
  companyName: string | null;
  column: string;
  oldValue: number | null;
  newValue: number | null;
  /** The value in dbo.Contact now (null also when the contact no longer exists). */
  now: number | null;
}

export async function findRun(db: Kysely<Database>, schema: string, runId: number) {
  return db.selectFrom(cwMaintTables(schema).runAs).selectAll('r').where('r.run_id', '=', runId).executeTakeFirst();
}

/**
 * Every journaled row of a run with the contact's name, company and value now, streamed from
 * the server in chunks (a cursor on PostgreSQL, tedious's own row stream on SQL Server), so
 * memory stays flat however many rows the run changed.
 */
export async function* journalRowsOf(db: Kysely<Database>, schema: string, runId: number, chunkSize = 1_000): AsyncGenerator<ShownRow> {
  const j = cwMaintTables(schema).journalAs;
  const query = db
    .selectFrom(j)
    .leftJoin('dbo.Contact as c', 'c.Contact_RecID', 'j.contact_recid')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'c.Company_RecID')
    .select([
      'j.contact_recid',
      'j.column_name',
      'j.old_value',
      'j.new_value',
      'c.First_Name',
      'c.Last_Name',
      'co.Company_ID',
      'co.Company_Name',
      // The changed column's value now, as an int whichever column it is (one run changes one column).
      sql<number | null>`CASE WHEN j.column_name = ${'Disable_Flag'} THEN cast(c.${sql.ref('Disable_Flag')} as int) ELSE c.${sql.ref('Portal_Security_Level')} END`.as('now_value'),
    ])
    .where('j.run_id', '=', runId)
    .orderBy('j.contact_recid');
  for await (const r of query.stream(chunkSize)) {
    yield {
      contactRecId: Number(r.contact_recid),
      firstName: r.First_Name,
      lastName: r.Last_Name,
      name: [r.First_Name, r.Last_Name].filter(Boolean).join(' '),
      companyId: r.Company_ID,
      companyName: r.Company_Name,
      column: r.column_name,
      oldValue: r.old_value === null ? null : Number(r.old_value),
      newValue: r.new_value === null ? null : Number(r.new_value),
      now: r.now_value === null ? null : Number(r.now_value),
    };
  }
}
