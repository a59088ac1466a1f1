import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { stringify } from 'csv-stringify';
import { UsageError } from '../errors.js';

/** One row of a report: a contact a run plans to change, changed, or (undo) left alone. */
export interface ReportRow {
  contactRecId: number;
  firstName: string | null;
  lastName: string | null;
  companyId: string | null;
  companyName: string | null;
  job: string;
  column: string;
  oldValue: number | null;
  newValue: number | null;
  /** Undo only: a row someone changed since the undone run. */
  conflict?: boolean;
  /** plan only: the job whose change this row's job would take back (two jobs that fight). */
  takesBack?: string;
}

const COLUMNS: Array<keyof ReportRow> = ['contactRecId', 'firstName', 'lastName', 'companyId', 'companyName', 'job', 'column', 'oldValue', 'newValue', 'conflict', 'takesBack'];

export type ReportFormat = 'csv' | 'jsonl' | 'json';

/** The format follows the file name; anything else is a usage error before anything runs. */
export function reportFormatOf(path: string): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.json') return 'json';
  throw new UsageError(`--report ${path}: the file name must end in .csv, .jsonl or .json (the format follows it)`);
}

/**
 * Streams the rows to the file as they come from the database (memory stays flat), into a
 * temporary file beside it that is renamed over the final name only when every row is written:
 * a failed run leaves no half-written report under that name. Returns the number of rows.
 */
export async function writeReport(path: string, rows: AsyncIterable<ReportRow>): Promise<number> {
  const format = reportFormatOf(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = createWriteStream(temporary, { encoding: 'utf8' });
  const opened = once(file, 'open');
  let count = 0;
  let csv: ReturnType<typeof stringify> | undefined;
  // An error event after a failure (the destroyed file) is not news: the failure itself is thrown.
  file.on('error', () => undefined);
  try {
    await opened;
    const write = async (text: string) => {
      if (!file.write(text)) await once(file, 'drain');
    };
    if (format === 'csv') {
      // A real CSV writer: quotes, commas, newlines and non-ASCII names round-trip.
      csv = stringify({ header: true, columns: COLUMNS as string[], cast: { boolean: (v) => (v ? 'true' : 'false') } });
      csv.pipe(file); // backpressure: the file's pace holds the writer back
      for await (const row of rows) {
        count++;
        if (!csv.write(row)) await once(csv, 'drain');
      }
      csv.end();
    } else {
      if (format === 'json') await write('[\n');
      for await (const row of rows) {
        await write(`${format === 'json' && count ? ',\n' : ''}${JSON.stringify(row)}${format === 'jsonl' ? '\n' : ''}`);
        count++;
      }
      if (format === 'json') await write('\n]\n');
      file.end();
    }
    await once(file, 'finish');
    await rename(temporary, path);
    return count;
  } catch (error) {
    csv?.unpipe(file);
    csv?.destroy();
    file.destroy();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
