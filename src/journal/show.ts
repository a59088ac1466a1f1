import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { keysetRows, type RowSource } from '../db/keyset-pages.js';
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
 * Every journaled row of a run with the contact's name, company and value now, read in keyset
 * pages by contact_recid (src/db/keyset-pages.ts: one run journals a contact once), so memory
 * stays flat however many rows the run changed, and a lost connection fails the read at once.
 */
export async function* journalRowsOf(source: RowSource, schema: string, runId: number): AsyncGenerator<ShownRow> {
  const j = cwMaintTables(schema).journalAs;
  const pages = keysetRows(
    source,
    (on, page) =>
      on
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
        .$if(page.after !== null, (q) => q.where('j.contact_recid', '>', page.after!))
        .orderBy('j.contact_recid')
        .offset(0)
        .fetch(page.rows)
        .execute(),
    (r) => Number(r.contact_recid),
  );
  for await (const r of pages) {
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
