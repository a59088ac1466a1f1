import type { Kysely } from 'kysely';
import type { PlannedRow } from '../../db/engine/planned-rows.js';
import type { Database } from '../../db/model/schema.js';
import type { Change } from '../../vocabulary/change.js';

export const PREVIEW_ROWS = 20;

export interface PreviewRow {
  contactRecId: number;
  name: string;
  companyId: string | null;
  oldValue: number | null;
  /** NULL only where a job restores a journaled NULL. */
  newValue: number | null;
}

/** The preview of planned rows: the first PREVIEW_ROWS, with names, in one lookup by id. */
export async function previewOf(db: Kysely<Database>, change: Change, rows: readonly PlannedRow[]): Promise<PreviewRow[]> {
  const shown = rows.slice(0, PREVIEW_ROWS);
  const names = shown.length ? await namesQuery(db, change, shown.map((r) => r.id)).execute() : [];
  const byId = new Map(names.map((n) => [Number(n.Contact_RecID), n]));
  return shown.map((r) => {
    const n = byId.get(r.id);
    return {
      contactRecId: r.id,
      name: [n?.First_Name, n?.Last_Name].filter(Boolean).join(' '),
      companyId: n?.Company_ID ?? null,
      oldValue: r.before,
      newValue: change.known ?? (n?.new_value === null || n?.new_value === undefined ? null : Number(n.new_value)),
    };
  });
}

/** Names, company and the value a job would write, of contacts by id (at most 1,000 ids a statement: SQL Server takes 2,100 parameters). */
export function namesQuery(db: Kysely<Database>, change: Change, ids: readonly number[]) {
  return db
    .selectFrom('dbo.Contact')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'dbo.Contact.Company_RecID')
    .where('dbo.Contact.Contact_RecID', 'in', [...ids])
    .select(['dbo.Contact.Contact_RecID', 'dbo.Contact.First_Name', 'dbo.Contact.Last_Name', 'co.Company_ID', 'co.Company_Name', change.journalValue.as('new_value')])
    .orderBy('dbo.Contact.Contact_RecID');
}
