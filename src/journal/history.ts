import type { Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { cwMaintTables } from './tables.js';

/** The run table, newest first: what `history` shows. */
export async function listRuns(db: Kysely<Database>, schema: string, filter: { job?: string; limit: number }) {
  let query = db.selectFrom(cwMaintTables(schema).runAs).selectAll('r').orderBy('r.run_id', 'desc').offset(0).fetch(Math.max(filter.limit, 1));
  if (filter.job) query = query.where('r.job', '=', filter.job);
  return query.execute();
}

export type RunRow = Awaited<ReturnType<typeof listRuns>>[number];

/** Journal rows whose run row is gone: the journal keeps no foreign key, so migrations-check counts them. */
export async function orphanJournalRows(db: Kysely<Database>, schema: string): Promise<number> {
  const { journalAs, run } = cwMaintTables(schema);
  const row = await db
    .selectFrom(journalAs)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom(`${run} as r` as 'cw_maint.run as r').select('r.run_id').whereRef('r.run_id', '=', 'j.run_id'))))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
