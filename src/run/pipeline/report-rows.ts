import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../../db/model/schema.js';
import { journalRowsOf } from '../../journal/show.js';
import type { ReportRow } from '../../report/report-file.js';

/** Rows per round trip of a streamed report. */
export const CHUNK = 1_000;

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
