import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../db/model/schema.js';
import { changing, columnAsInt, differs, jobWhere, type Change } from '../../vocabulary/change.js';
import type { AnyJob, ContactExpressionBuilder, TargetContext } from '../../vocabulary/job-definition.js';
import type { ReportRow } from '../../report/report-file.js';
import { keysetPagesOn, keysetRows, type Page, type RowSource } from '../../db/keyset-pages.js';
import { previewOf, PREVIEW_ROWS, type PreviewRow } from './plan-preview.js';
import type { PlannedRow } from '../../db/engine/planned-rows.js';
import { CATALOG_COUNT_FROM, PLANNED_ROWS_MAX } from '../../config/defaults.js';

export { PREVIEW_ROWS, type PreviewRow } from './plan-preview.js';

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
  /**
   * Every row that would change, lowest Contact_RecID first, where the plan was asked for them (an
   * apply's): what its UPDATE then takes by id, and what a confirmation's digest is over.
   */
  rows?: PlannedRow[];
}

/** An apply's plan: every row that would change, listed. */
export interface RowsWanted {
  /** List the rows only when at most this many would change (default PLANNED_ROWS_MAX). */
  max?: number;
}

/**
 * One statement, one pass over the targeted rows: the counts and the first PREVIEW_ROWS rows that
 * would change (window functions over the job's WHERE, so no second search and no walk of the
 * primary key for a filter that matches few rows). Only those rows ever reach Node.
 */
export async function buildPlan(
  db: Kysely<Database>,
  job: AnyJob,
  params: Record<string, unknown>,
  change: Change,
  context: TargetContext,
  wanted?: RowsWanted,
): Promise<Plan> {
  if (wanted) return buildRowsPlan(db, job, params, change, context, wanted);
  const rows = await planQuery(db, job, params, change, context).execute();
  const first = rows[0]!;
  const matched = Number(first.matched ?? 0);
  const changed = Number(first.changed ?? 0);
  return {
    matched,
    changed,
    unchanged: matched - changed,
    totalContacts: Number(first.total),
    inactiveContacts: job.reportsInactiveContacts ? Number(first.inactive ?? 0) : null,
    preview: rows
      .filter((r) => Number(r.differs) === 1)
      .map((r) => ({
        contactRecId: Number(r.Contact_RecID),
        name: [r.First_Name, r.Last_Name].filter(Boolean).join(' '),
        companyId: r.Company_ID,
        oldValue: r.old_value === null ? null : Number(r.old_value),
        newValue: change.known ?? (r.new_value === null ? null : Number(r.new_value)),
      })),
  };
}

/**
 * The plan in one statement: the count of every contact (for maxPercent), LEFT JOINed to the
 * targeted rows ranked those that would change first, lowest Contact_RecID first, each carrying
 * the counts over all of them. Rows that would not change only fill up the preview and are dropped.
 */
export function planQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext) {
  const targeted = targetedRows(db, job, params, change, context);
  const ranked = db
    .selectFrom(targeted.as('m'))
    .select([
      'm.id',
      'm.old_value',
      'm.new_value',
      'm.d',
      ...WINDOW_COUNTS,
    ])
    .orderBy('m.d', 'desc')
    .orderBy('m.id')
    .offset(0)
    .fetch(PREVIEW_ROWS);
  const every = everyContact(db, context);
  return db
    .selectFrom(every.as('t'))
    .leftJoin(ranked.as('p'), (join) => join.on(sql<boolean>`1 = 1`))
    .leftJoin('dbo.Contact as c', 'c.Contact_RecID', 'p.id')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'c.Company_RecID')
    .select(['t.total', 'p.matched', 'p.changed', 'p.inactive', 'p.d as differs', 'p.id as Contact_RecID', 'c.First_Name', 'c.Last_Name', 'co.Company_ID', 'p.old_value', 'p.new_value'])
    .orderBy('p.d', 'desc')
    .orderBy('p.id');
}

/**
 * An apply's plan, still one pass over the targeted rows: the counts, and every row that would
 * change (id and before-value), which the UPDATE then takes by id instead of
 * searching again. The preview's names come from one lookup of at most PREVIEW_ROWS ids.
 */
async function buildRowsPlan(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext, wanted: RowsWanted): Promise<Plan> {
  const max = wanted.max ?? PLANNED_ROWS_MAX;
  const found = await planRowsQuery(db, job, params, change, context, { ...wanted, max }).execute();
  const first = found[0]!;
  const matched = Number(first.matched ?? 0);
  const changed = Number(first.changed ?? 0);
  if (changed > max) {
    // Too many to send back: the apply searches again, and the preview is the first page of that search.
    const page = await changingRowsQuery(db, job, params, change, context, { after: null, rows: PREVIEW_ROWS }).execute();
    const preview = page.map((r) => ({ id: Number(r.Contact_RecID), before: r.old_value === null ? null : Number(r.old_value) }));
    return { matched, changed, unchanged: matched - changed, totalContacts: Number(first.total), inactiveContacts: job.reportsInactiveContacts ? Number(first.inactive ?? 0) : null, preview: await previewOf(db, change, preview) };
  }
  const rows: PlannedRow[] = found.filter((r) => Number(r.d) === 1).map((r) => ({ id: Number(r.id), before: r.old_value === null ? null : Number(r.old_value) }));
  return {
    matched,
    changed,
    unchanged: matched - changed,
    totalContacts: Number(first.total),
    inactiveContacts: job.reportsInactiveContacts ? Number(first.inactive ?? 0) : null,
    preview: await previewOf(db, change, rows),
    rows,
  };
}

/**
 * The rows query: the count of every contact LEFT JOINed to the targeted rows that would change,
 * each carrying the counts over all targeted rows; the first targeted row comes along too, so the
 * counts arrive when nothing would change.
 */
export function planRowsQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext, wanted: RowsWanted) {
  const targeted = targetedRows(db, job, params, change, context);
  const counted = db
    .selectFrom(targeted.as('m'))
    .select([
      'm.id',
      'm.old_value',
      'm.d',
      ...WINDOW_COUNTS,
      sql<number>`min(m.id) over ()`.as('first_id'),
    ]);
  const every = everyContact(db, context);
  return db
    .selectFrom(every.as('t'))
    .leftJoin(counted.as('p'), (join) => join.on(sql<boolean>`((p.d = 1 AND p.changed <= ${sql.lit(Math.min(wanted.max ?? PLANNED_ROWS_MAX, 2_147_483_647))}) OR p.id = p.first_id)`))
    .select(['t.total', 'p.matched', 'p.changed', 'p.inactive', 'p.d', 'p.id', 'p.old_value'])
    .orderBy('p.id');
}

/** One row, `total`: every contact (maxPercent's total). */
function everyContact(db: Kysely<Database>, context: TargetContext) {
  return db.selectNoFrom(contactTotal(context).as('total'));
}

/**
 * How many contacts dbo.Contact holds, as maxPercent's total: the server catalog's count where it
 * says CATALOG_COUNT_FROM or more (a share of that many is not moved by an estimate's error; the
 * count(*) is a second full pass), else an exact count(*).
 */
export function contactTotal(context: TargetContext) {
  const counted = sql<number>`(SELECT cast(count(*) as int) FROM ${sql.table('dbo.Contact')})`;
  if (!context.catalogContacts) return counted;
  const catalog = context.catalogContacts();
  return sql<number>`(CASE WHEN coalesce(${catalog}, -1) >= ${sql.lit(CATALOG_COUNT_FROM)} THEN cast(${catalog} as int) ELSE ${counted} END)`;
}

/** Over every targeted row (`m`): how many the WHERE selects, would change, and of those are inactive contacts. */
const WINDOW_COUNTS = [
  sql<number>`cast(count(*) over () as int)`.as('matched'),
  sql<number>`cast(sum(m.d) over () as int)`.as('changed'),
  sql<number>`cast(sum(m.di) over () as int)`.as('inactive'),
] as const;

/**
 * The rows the job's WHERE selects, each with its value before and after, whether it would change
 * (`d`), and whether it would change an inactive contact (`di`).
 */
function targetedRows(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext) {
  return db
    .selectFrom('dbo.Contact')
    .where((eb) => jobWhere(eb, job, params, context))
    .select((eb) => [
      'dbo.Contact.Contact_RecID as id',
      columnAsInt(change).as('old_value'),
      change.journalValue.as('new_value'),
      eb.case().when(differs(eb, change)).then(1).else(0).end().as('d'),
      job.reportsInactiveContacts
        ? eb.case().when(eb.and([differs(eb, change), eb('dbo.Contact.Inactive_Flag', '=', true)])).then(1).else(0).end().as('di')
        : sql<number>`0`.as('di'),
    ]);
}

/** A further condition on the rows, over dbo.Contact (plan's fights: whose change a row takes back). */
export type AlsoWhere = (eb: ContactExpressionBuilder) => Expression<SqlBool>;

/**
 * One page of the rows an apply would change (and that meet `also`), with the contact's names and
 * company: those after Contact_RecID `page.after`, lowest first, at most `page.rows` (--report of a
 * dry run and `plan`).
 */
export function changingRowsQuery(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext, page: Page, also?: AlsoWhere) {
  return db
    .selectFrom('dbo.Contact')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'dbo.Contact.Company_RecID')
    .where((eb) => (also ? eb.and([changing(eb, job, params, change, context), also(eb)]) : changing(eb, job, params, change, context)))
    .$if(page.after !== null, (q) => q.where('dbo.Contact.Contact_RecID', '>', page.after!))
    .select([
      'dbo.Contact.Contact_RecID',
      'dbo.Contact.First_Name',
      'dbo.Contact.Last_Name',
      'co.Company_ID',
      'co.Company_Name',
      columnAsInt(change).as('old_value'),
      change.journalValue.as('new_value'),
    ])
    .orderBy('dbo.Contact.Contact_RecID')
    .offset(0)
    .fetch(page.rows);
}

/**
 * Every row a job's apply would change, with names, from the server in keyset pages
 * (src/db/keyset-pages.ts); with `also`, those that meet it, marked as taking back `takesBack`'s change.
 */
export async function* plannedRows(
  source: RowSource,
  job: AnyJob,
  params: Record<string, unknown>,
  change: Change,
  context: TargetContext,
  also?: { where: AlsoWhere; takesBack: string },
): AsyncGenerator<ReportRow> {
  const pages = keysetRows(source, (on, page) => changingRowsQuery(on, job, params, change, context, page, also?.where).execute(), (r) => Number(r.Contact_RecID));
  for await (const r of pages) {
    yield {
      contactRecId: Number(r.Contact_RecID),
      firstName: r.First_Name,
      lastName: r.Last_Name,
      companyId: r.Company_ID,
      companyName: r.Company_Name,
      job: job.name,
      column: change.column,
      oldValue: r.old_value === null ? null : Number(r.old_value),
      newValue: change.known ?? (r.new_value === null ? null : Number(r.new_value)),
      ...(also ? { takesBack: also.takesBack } : {}),
    };
  }
}

/** Rows per statement when every changing row is read (the digest of a confirmation): keyset pages, no cursor. */
const ID_PAGE = 10_000;

/** Every row an apply would change, with its value before, lowest Contact_RecID first, read in keyset pages. */
export async function* changingValues(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext): AsyncGenerator<{ id: number; before: number | null }> {
  const pages = keysetPagesOn(
    (page) =>
      db
        .selectFrom('dbo.Contact')
        .where((eb) => changing(eb, job, params, change, context))
        .$if(page.after !== null, (q) => q.where('dbo.Contact.Contact_RecID', '>', page.after!))
        .select(['dbo.Contact.Contact_RecID as id', columnAsInt(change).as('before')])
        .orderBy('dbo.Contact.Contact_RecID')
        .offset(0)
        .fetch(page.rows)
        .execute(),
    (r) => Number(r.id),
    ID_PAGE,
  );
  for await (const r of pages) yield { id: Number(r.id), before: r.before === null ? null : Number(r.before) };
}
