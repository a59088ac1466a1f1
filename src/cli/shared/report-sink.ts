import type { ReportMeta, ReportRow, WrittenReport } from '../../report/report-file.js';
import { checkReportTarget, writeReport } from '../../report/report-file.js';
import { VERSION } from '../../version.js';
import type { CliDeps } from './io.js';

/** The --report flags of a verb: the file, --force (or undo's --force-report), --no-bom. */
export interface ReportOptions {
  report?: string;
  bom?: boolean;
}

export interface ReportSink {
  /** Handed to the run: receives every row, streamed, and the run's id. */
  write(rows: AsyncIterable<ReportRow>, run?: { runId: number | null }): Promise<void>;
  /** What was written, once it is (for --json). */
  written?: WrittenReport;
}

/**
 * --report FILE: the target is checked now, before anything is connected to (exit 2: a missing
 * folder, a directory, an unwritable folder, an existing file without --force); the rows are
 * streamed to it, and a line on stderr says where, how many, and the file's SHA-256 for the ticket.
 * `facts` gives the rest of the report's header (server, database, ticket), asked for at writing.
 */
export function reportSink(
  options: ReportOptions,
  force: { given: boolean | undefined; flag: string },
  io: CliDeps['io'],
  facts: () => Omit<ReportMeta, 'runId' | 'cwMaintVersion' | 'generatedAt'>,
): ReportSink | undefined {
  if (options.report === undefined) return undefined;
  const target = checkReportTarget(options.report, { force: force.given, forceFlag: force.flag, bom: options.bom });
  const sink: ReportSink = {
    async write(rows, run) {
      const meta: ReportMeta = { runId: run?.runId ?? null, ...facts(), cwMaintVersion: VERSION, generatedAt: new Date().toISOString() };
      const written = await writeReport(target, rows, meta);
      sink.written = written;
      const sidecar = written.metaPath ? `; the run's facts are in ${written.metaPath}` : '';
      io.stderr.write(`Report: ${written.rows} rows written to ${written.path} (SHA-256 ${written.sha256})${sidecar}\n`);
    },
  };
  return sink;
}

/** --no-bom's help, the same on every verb with --report. */
export const NO_BOM_HELP = 'with --report FILE.csv: no UTF-8 byte-order mark (Excel on Windows needs it to show names like "Chloé" right)';
