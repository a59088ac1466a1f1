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
