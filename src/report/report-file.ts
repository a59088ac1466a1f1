import { once } from 'node:events';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { ReportFileError } from '../errors.js';
import { neutralizeFormula } from './csv-cell.js';
import { checkReportTarget, type ReportTarget } from './report-target.js';

export { checkReportTarget, reportFormatOf, type ReportFormat, type ReportTarget } from './report-target.js';

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
  /** A saved plan's apply: why this planned row is not applied (it changed since the plan, or no longer matches). */
  drift?: string;
}

/** What a change ticket needs to know about a report: which run, where, by which cw-maint, when (UTC). */
export interface ReportMeta {
  runId: number | null;
  job: string;
  mode: string;
  server: string;
  database: string;
  ticket: string | null;
  cwMaintVersion: string;
  generatedAt: string;
}

export interface WrittenReport {
  path: string;
  rows: number;
  /** SHA-256 of the report file's bytes, for the ticket. */
  sha256: string;
  /** CSV: the sidecar holding the run's facts. */
  metaPath?: string;
}

const COLUMNS: Array<keyof ReportRow> = ['contactRecId', 'firstName', 'lastName', 'companyId', 'companyName', 'job', 'column', 'oldValue', 'newValue', 'conflict', 'drift'];

/**
 * Streams the rows to the file as they come from the database (memory stays flat), into a
 * temporary file beside it, created with mode 600 and O_EXCL (report files hold contact names;
 * on Windows the folder's ACL decides), and renamed over the final name only when every row is
 * written: a failed run leaves no half-written report under that name. JSON and JSON lines start
 * with the run's facts (`meta`); a CSV stays one plain table, with the facts in `<file>.meta.json`.
 */
export async function writeReport(target: ReportTarget | string, rows: AsyncIterable<ReportRow>, meta?: ReportMeta): Promise<WrittenReport> {
  const t = typeof target === 'string' ? checkReportTarget(target, { force: true }) : target;
  const hash = createHash('sha256');
  let count = 0;
  await atomically(t, async (file) => {
    const tap = new Transform({ transform: (chunk: Buffer, _e, done) => (hash.update(chunk), done(null, chunk)) });
    tap.pipe(file);
    const write = async (text: string) => {
      if (!tap.write(text)) await once(tap, 'drain');
    };
    if (t.format === 'csv') {
      if (t.bom) await write('\uFEFF');
      // A real CSV writer (quotes, commas, newlines, non-ASCII round-trip); text cells that a
      // spreadsheet would run as a formula get a leading ' (OWASP); numbers stay numbers.
      const csv = stringify({ header: true, columns: COLUMNS as string[], cast: { boolean: (v) => (v ? 'true' : 'false'), string: neutralizeFormula } });
      csv.pipe(tap, { end: false });
      try {
        for await (const row of rows) {
          count++;
          if (!csv.write(row)) await once(csv, 'drain');
        }
        csv.end();
        await once(csv, 'end');
      } finally {
        csv.unpipe(tap);
        csv.destroy();
      }
    } else {
      if (t.format === 'json') await write(`{"meta":${JSON.stringify(meta ?? null)},"rows":[\n`);
      else if (meta) await write(`${JSON.stringify({ meta })}\n`);
      for await (const row of rows) {
        await write(`${t.format === 'json' && count ? ',\n' : ''}${JSON.stringify(row)}${t.format === 'jsonl' ? '\n' : ''}`);
        count++;
      }
      if (t.format === 'json') await write('\n]}\n');
    }
    tap.end();
  });
  const sha256 = hash.digest('hex');
  if (t.metaPath) {
    const sidecar = { ...(meta ?? {}), file: basename(t.path), format: 'csv', rows: count, sha256, utf8Bom: t.bom };
    await atomically({ ...t, path: t.metaPath }, async (file) => {
      file.end(`${JSON.stringify(sidecar, null, 2)}\n`);
    });
  }
  return { path: t.path, rows: count, sha256, ...(t.metaPath ? { metaPath: t.metaPath } : {}) };
}

/**
 * A file written whole or not at all, mode 600 (a saved plan): `fill` writes it through `write`,
 * the SHA-256 of its bytes goes to `beforeRename`, which may still refuse it (nothing is left).
 */
export async function writeFileAtomically(
  target: Pick<ReportTarget, 'path' | 'force'>,
  fill: (write: (text: string) => Promise<void>) => Promise<void>,
  beforeRename: (sha256: string) => Promise<void>,
): Promise<void> {
  const hash = createHash('sha256');
  await atomically(
    target,
    async (file) => {
      await fill(async (text) => {
        hash.update(text);
        if (!file.write(text)) await once(file, 'drain');
      });
    },
    () => beforeRename(hash.digest('hex')),
  );
}

/** Opens `<folder>/.<name>.<pid>.tmp` (mode 600, must not exist), lets `fill` write it, then renames it over the name. */
async function atomically(t: Pick<ReportTarget, 'path' | 'force'>, fill: (file: WriteStream) => Promise<void>, beforeRename?: () => Promise<void>): Promise<void> {
  await sweepStale(t.path);
  const temporary = join(dirname(t.path), `.${basename(t.path)}.${process.pid}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  const file = createWriteStream('', { fd: handle });
  // An error event after a failure (the destroyed file) is not news: the failure itself is thrown.
  file.on('error', () => undefined);
  try {
    await fill(file);
    if (!file.writableEnded) file.end();
    // finished() also settles for a stream that finished already; the descriptor is closed before the rename.
    await finished(file);
    if (!file.closed) await once(file, 'close');
    await beforeRename?.();
    await replace(temporary, t);
  } catch (error) {
    file.destroy();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function replace(temporary: string, t: Pick<ReportTarget, 'path' | 'force'>): Promise<void> {
  // Checked before the run; checked again here, since the file may have appeared meanwhile.
  if (!t.force && existsSync(t.path)) throw new ReportFileError(`--report ${t.path}: the file appeared while the run went on; nothing replaced it. Give --force, or another name.`);
  try {
    await rename(temporary, t.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'EBUSY' || code === 'EACCES') {
      throw new ReportFileError(`--report ${t.path}: cannot replace the file (${code}): another program has it open (Excel locks a file it shows). Close it and run the command again, or give another name.`, [], { cause: error });
    }
    throw error;
  }
}

/**
 * Temporary files of this report name left by a process that was killed while writing
 * (`.<name>.<pid>.tmp`, contact names inside): removed by the next run that writes the same
 * report, when no process with that pid is alive any more.
 */
export async function sweepStale(path: string): Promise<string[]> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const swept: string[] = [];
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -'.tmp'.length)) : NaN;
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await unlink(join(dirname(path), name)).then(() => swept.push(name), () => undefined);
  }
  return swept;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
