import type { RowSource } from '../../db/keyset-pages.js';
import { journalRowsOf } from '../../journal/show.js';
import type { ReportRow } from '../../report/report-file.js';

/** Every row a run changed, from its journal (before and after), with names: the rows `show` prints. */
export async function* journaledRows(source: RowSource, schema: string, runId: number, job: string): AsyncGenerator<ReportRow> {
  for await (const r of journalRowsOf(source, schema, runId)) {
    yield { contactRecId: r.contactRecId, firstName: r.firstName, lastName: r.lastName, companyId: r.companyId, companyName: r.companyName, job, column: r.column, oldValue: r.oldValue, newValue: r.newValue };
  }
}

/** The rows of several sources, one after the other. */
export async function* concat<T>(...sources: Array<AsyncIterable<T>>): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}
