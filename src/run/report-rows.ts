import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { journalRowsOf } from '../journal/show.js';
import type { Change } from '../vocabulary/change.js';
import { changingRowsQuery } from './plan.js';
import type { AnyJob, TargetContext } from '../vocabulary/job-definition.js';
import type { ReportRow } from '../report/report-file.js';

const CHUNK = 1_000;

/** Every row a job's apply would change, with names, straight from the server in chunks. */
export async function* plannedRows(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext): AsyncGenerator<ReportRow> {
  for await (const r of changingRowsQuery(db, job, params, change, context).stream(CHUNK)) {
    yield {
      contactRecId: Number(r.Contact_RecID),
      firstName: r.First_Name,
      lastName: r.Last_Name,
      companyId: r.Company_ID,
      companyName: r.Company_Name,
      job: job.name,
      column: change.column,
      oldValue: r.old_value === null ? null : Number(r.old_value),
      newValue: change.journalValue,
    };
  }
}

/** Every row a run changed, from its journal (before and after), with names: the rows `show` prints. */
export async function* journaledRows(db: Kysely<Database>, schema: string, runId: number, job: string): AsyncGenerator<ReportRow> {
  for await (const r of journalRowsOf(db, schema, runId, CHUNK)) {
    yield { contactRecId: r.contactRecId, firstName: r.firstName, lastName: r.lastName, companyId: r.companyId, companyName: r.companyName, job, column: r.column, oldValue: r.oldValue, newValue: r.newValue };
  }
}

/** A raw statement's rows, streamed in chunks (a cursor on PostgreSQL). */
export async function* streamRaw<R>(db: Kysely<Database>, query: RawBuilder<R>): AsyncGenerator<R> {
  for await (const batch of db.getExecutor().stream(query.compile(db), CHUNK)) yield* batch.rows;
}

/** The rows of several sources, one after the other. */
export async function* concat<T>(...sources: Array<AsyncIterable<T>>): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}
