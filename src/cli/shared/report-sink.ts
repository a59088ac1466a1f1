import type { ReportRow } from '../../report/report-file.js';
import { reportFormatOf, writeReport } from '../../report/report-file.js';
import type { CliDeps } from './io.js';

/** --report FILE: checked before anything runs; the rows are streamed to it, and a line on stderr says where. */
export function reportSink(path: string | undefined, io: CliDeps['io']) {
  if (!path) return undefined;
  reportFormatOf(path);
  return async (rows: AsyncIterable<ReportRow>) => {
    const count = await writeReport(path, rows);
    io.stderr.write(`Report: ${count} rows written to ${path}\n`);
  };
}
