import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { columnAsInt, differs, type Change } from './change.js';
import type { AnyJob, TargetContext } from './job-definition.js';

export const PREVIEW_ROWS = 20;

export interface PreviewRow {
  contactRecId: number;
  name: string;
  companyId: string | null;
  oldValue: number | null;
  newValue: number;
}

export interface Plan {
  /** Rows the original script's WHERE selects. */
  matched: number;
  /** Rows whose value actually differs: what an apply changes and journals. */
  changed: number;
  unchanged: number;
  /** Every contact in dbo.Contact: what maxPercent is a share of. */
  totalContacts: number;
  /** Of the rows that would change, those ConnectWise marks inactive (jobs that report it; else null). */
  inactiveContacts: number | null;
  /** Up to PREVIEW_ROWS rows that would change, lowest Contact_RecID first. */
  preview: PreviewRow[];
}

/** Counts are computed by the server; only the preview rows ever reach Node. */
export async function buildPlan(
  db: Kysely<Database>,
  job: AnyJob,
  params: Record<string, unknown>,
  change: Change,
  context: TargetContext,
): Promise<Plan> {
  const counts = await countQuery(db, job, params, change, context).executeTakeFirstOrThrow();
  // Nothing to change (the steady state): no preview query at all.
  const rows = Number(counts.changed ?? 0) > 0 ? await previewQuery(db, job, params, change, context).execute() : [];
  const matched = Number(counts.matched);
  const changed = Number(counts.changed ?? 0);
  return {
    matched,
    changed,
    unchanged: matched - changed,
    totalContacts: Number(counts.total),
    inactiveContacts: job.reportsInactiveContacts ? Number(counts.inactive ?? 0) : null,
    preview: rows.map((r) => ({
      contactRecId: Number(r.Contact_RecID),
      name: [r.First_Name, r.Last_Name].filter(Boolean).join(' '),
      companyId: r.Company_ID,
      oldValue: r.old_value === null ? null : Number(r.old_value),
      newValue: change.journalValue,
    })),
  };
}

export function countQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext) {
  return db
    .selectFrom('dbo.Contact')
    .where((eb) => job.target(eb, params, context))
    .select((eb) => [
      sql<number>`cast(count(*) as int)`.as('matched'),
      sql<number | null>`cast(sum(${eb.case().when(differs(eb, change)).then(1).else(0).end()}) as int)`.as('changed'),
      eb.selectFrom('dbo.Contact as every').select(sql<number>`cast(count(*) as int)`.as('n')).as('total'),
      ...(job.reportsInactiveContacts
        ? [sql<number | null>`cast(sum(${eb.case().when(eb.and([differs(eb, change), eb('dbo.Contact.Inactive_Flag', '=', true)])).then(1).else(0).end()}) as int)`.as('inactive')]
        : []),
    ]);
}

/** Every row an apply would change, with the contact's names and company, lowest Contact_RecID first (the preview and --report). */
export function changingRowsQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext) {
  return db
    .selectFrom('dbo.Contact')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'dbo.Contact.Company_RecID')
    .where((eb) => eb.and([job.target(eb, params, context), differs(eb, change)]))
    .select([
      'dbo.Contact.Contact_RecID',
      'dbo.Contact.First_Name',
      'dbo.Contact.Last_Name',
      'co.Company_ID',
      'co.Company_Name',
      columnAsInt(change).as('old_value'),
    ])
    .orderBy('dbo.Contact.Contact_RecID');
}

export function previewQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext) {
  return changingRowsQuery(db, job, params, change, context).offset(0).fetch(PREVIEW_ROWS);
}
