import { sql, type Kysely } from 'kysely';
import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import type { Layout } from '../../db/model/layout.js';
import type { Database } from '../../db/model/schema.js';
import { assertCanRun, preflight } from '../../preflight/preflight.js';
import type { ReportRow } from '../../report/report-file.js';
import { changeFor, changing, knownValue } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import type { Refusal } from '../pipeline/run-kind.js';
import { concat } from '../pipeline/report-rows.js';
import type { Plan } from './plan.js';
import { prepareJob } from './run-job.js';
import { findFights, fightRows, type ConfiguredJob, type Fight } from './converge.js';

export const OVERLAP_ROWS = 50;

export interface JobPlan {
  job: string;
  params: Record<string, unknown>;
  column: string;
  plan: Plan;
  refusal?: Refusal;
}

export interface Overlap {
  contactRecId: number;
  name: string;
  companyId: string | null;
  /** Each job that would change this contact, with the value it would write. */
  changes: Array<{ job: string; column: string; newValue: number | null }>;
}

export interface EveryJobPlan {
  layout: Layout;
  jobs: JobPlan[];
  overlapCount: number;
  overlaps: Overlap[];
  /** Where the order of the applies matters, each with its count over every planned row. */
  notes: string[];
  /** Jobs that would undo each other's changes on every run (allowed ones marked). */
  fights: Fight[];
  /** An apply would be refused: a guard refuses a job, or two jobs fight and the config does not allow that pair. */
  refused: boolean;
}

/**
 * `plan`: every configured job's dry run against today's data, in one report, with the contacts
 * more than one job would change. Reads only: no lock, no history row, no write of any kind.
 */
export async function planEveryJob(
  handle: DatabaseHandle,
  entries: Array<{ job: AnyJob; params: Record<string, unknown> }>,
  settings: RunSettings,
  report?: (rows: AsyncIterable<ReportRow>) => Promise<unknown>,
): Promise<EveryJobPlan> {
  const { db } = handle;
  // One preflight for every job; each job then planned and guarded as its own dry run would be.
  const checked = await preflight(handle, entries.map((e) => e.job), settings.journalSchema);
  for (const { job } of entries) assertCanRun(checked, job.name, 'dry-run');
  const prepared = entries.map(({ job, params }) => prepareJob(handle, job, params, settings, checked, 'dry-run'));
  for (const { run } of prepared) await run.check?.();
  const context: TargetContext = prepared[0]?.context ?? { layout: checked.schema.layout!, journalSchema: settings.journalSchema, auditColumns: checked.schema.auditColumns };

  const jobs: JobPlan[] = [];
  for (const [i, { job, params }] of entries.entries()) {
    const { run } = prepared[i]!;
    const plan = await run.plan(db);
    const refusal = await run.guard?.(db, plan);
    jobs.push({ job: job.name, params, column: job.writes, plan, refusal });
  }
  const { count, rows } = await overlaps(db, entries, context);
  const notes = await orderNotes(db, entries, context);
  const fights = await findFights(db, entries, context, settings.allowFights);
  if (report) await report(concat(...prepared.map(({ run }, i) => run.plannedRows(db, jobs[i]!.plan)), fightRows(handle, entries, fights, context)));
  const refused = jobs.some((j) => j.refusal) || fights.some((f) => !f.allowed);
  return { layout: context.layout, jobs, overlapCount: count, overlaps: rows, notes, fights, refused };
}

/** The contacts more than one job would change (one statement: a UNION ALL of the jobs' targets). */
async function overlaps(db: Kysely<Database>, entries: Array<{ job: AnyJob; params: Record<string, unknown> }>, context: TargetContext) {
  if (entries.length < 2) return { count: 0, rows: [] as Overlap[] };
  const targets = entries.map(({ job, params }) => {
    const change = changeFor(job, params, context);
    return db
      .selectFrom('dbo.Contact')
      .where((eb) => changing(eb, job, params, change, context))
      .select([
        'dbo.Contact.Contact_RecID as contact_recid',
        sql<string>`cast(${job.name} as varchar(64))`.as('job'),
        sql<string>`cast(${job.writes} as varchar(64))`.as('column_name'),
        sql<number | null>`cast(${change.journalValue} as int)`.as('new_value'),
      ]);
  });
  const all = targets.slice(1).reduce((union, next) => union.unionAll(next as never), targets[0]!);
  const shared = (alias: string) =>
    (db as Kysely<any>)
      .selectFrom(all.as(alias))
      .select(`${alias}.contact_recid`)
      .groupBy(`${alias}.contact_recid`)
      .having((eb) => eb.fn.countAll(), '>', 1);
  const counted = await (db as Kysely<any>).selectFrom(shared('s').as('x')).select(sql<number>`cast(count(*) as int)`.as('n')).executeTakeFirstOrThrow();
  const listed = await (db as Kysely<any>)
    .selectFrom(all.as('u'))
    .leftJoin('dbo.Contact as c', 'c.Contact_RecID', 'u.contact_recid')
    .leftJoin('dbo.Company as co', 'co.Company_RecID', 'c.Company_RecID')
    .select(['u.contact_recid', 'u.job', 'u.column_name', 'u.new_value', 'c.First_Name', 'c.Last_Name', 'co.Company_ID'])
    .where('u.contact_recid', 'in', (db as Kysely<any>).selectFrom(shared('s2').as('y')).select('y.contact_recid'))
    .orderBy('u.contact_recid')
    .orderBy('u.job')
    .execute();
  const byContact = new Map<number, Overlap>();
  for (const r of listed) {
    const id = Number(r.contact_recid);
    if (!byContact.has(id) && byContact.size >= OVERLAP_ROWS) break;
    const row: Overlap = byContact.get(id) ?? { contactRecId: id, name: [r.First_Name, r.Last_Name].filter(Boolean).join(' '), companyId: r.Company_ID, changes: [] };
    row.changes.push({ job: r.job, column: r.column_name, newValue: r.new_value === null ? null : Number(r.new_value) });
    byContact.set(id, row);
  }
  return { count: Number(counted.n), rows: [...byContact.values()] };
}

/**
 * Two jobs that would change the same contacts' column to different values: the later apply wins,
 * and an onlyUnset job would skip what the other already set. Counted over every planned row (one
 * count per pair); two jobs that write the same value are not order-dependent.
 */
async function orderNotes(db: Kysely<Database>, entries: readonly ConfiguredJob[], context: TargetContext): Promise<string[]> {
  const notes: string[] = [];
  for (const [i, a] of entries.entries()) {
    for (const b of entries.slice(i + 1)) {
      const [va, vb] = [knownValue(a.job, a.params), knownValue(b.job, b.params)];
      if (a.job.writes !== b.job.writes || (va && vb && va.known === vb.known)) continue;
      const [ca, cb] = [changeFor(a.job, a.params, context), changeFor(b.job, b.params, context)];
      const row = await db
        .selectFrom('dbo.Contact')
        .where((eb) => eb.and([changing(eb, a.job, a.params, ca, context), changing(eb, b.job, b.params, cb, context)]))
        .select(sql<number>`cast(count(*) as int)`.as('n'))
        .executeTakeFirstOrThrow();
      const n = Number(row.n);
      if (!n) continue;
      const unset = [a, b].filter((e) => e.job.onlyWhere && e.params[e.job.onlyWhere.param] === true).map((e) => e.job.name);
      notes.push(
        `${a.job.name} and ${b.job.name} both change ${a.job.writes} of ${n} contact(s), to different values: the order of the applies decides the final value` +
          (unset.length ? `; ${unset.join(' and ')} only change(s) contacts still at 0, so after the other job sets a level it would leave them alone` : '') +
          ". Each job is planned against today's data, as its own dry run would be.",
      );
    }
  }
  return notes;
}
