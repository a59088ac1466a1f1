import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export type ReportFormat = 'csv' | 'jsonl' | 'json';

/** Where a report goes, checked before anything is connected to. */
export interface ReportTarget {
  /** Absolute path of the report. */
  path: string;
  format: ReportFormat;
  /** Replace an existing file (--force). */
  force: boolean;
  /** CSV: start with a UTF-8 byte-order mark, so that Excel on Windows reads names like "Chloé" right. */
  bom: boolean;
  /** CSV: the sidecar with the run's facts (`<file>.meta.json`), so that the CSV stays one plain table. */
  metaPath: string | undefined;
}

/** Longest file name most file systems take (bytes); the temporary name adds its own suffix. */
const NAME_MAX = 255;
const TEMPORARY_SUFFIX = '.0000000.tmp'.length + 1;

/** The format follows the file name; anything else is a usage error before anything runs. */
export function reportFormatOf(path: string): ReportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl') return 'jsonl';
  if (ext === '.json') return 'json';
  throw new UsageError(`--report ${path}: the file name must end in .csv, .jsonl or .json (the format follows it)`);
}

/**
 * --report FILE, checked before the run (exit 2, nothing connected to, nothing written): the
 * format, a folder that exists and may be written, a name the file system takes, and no existing
 * file (or directory) under the name unless --force. An apply must never commit and then find that
 * its report cannot be written.
 */
export function checkReportTarget(file: string, options: { force?: boolean; bom?: boolean; forceFlag?: string; flag?: string } = {}): ReportTarget {
  const format = reportFormatOf(file);
  const path = resolve(file);
  const folder = dirname(path);
  const metaPath = format === 'csv' ? `${path}.meta.json` : undefined;
  const problem = (text: string) => new UsageError(`${options.flag ?? '--report'} ${file}: ${text}`);
  const longest = basename(metaPath ?? path);
  if (Buffer.byteLength(longest) + TEMPORARY_SUFFIX > NAME_MAX) throw problem(`the file name is too long (at most ${NAME_MAX - TEMPORARY_SUFFIX - (metaPath ? 10 : 0)} bytes)`);
  const folderStat = statIfAny(folder);
  if (folderStat === 'not-a-folder' || (folderStat && !folderStat.isDirectory())) throw problem(`${folder} is not a folder`);
  if (!folderStat) throw problem(`the folder ${folder} does not exist; create it first`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw problem(`cannot write in the folder ${folder} (permission denied)`);
  }
  for (const target of [path, metaPath]) {
    if (!target) continue;
    const existing = statIfAny(target);
    if (existing === 'not-a-folder') throw problem(`${folder} is not a folder`);
    if (existing?.isDirectory()) throw problem(`${target} is a directory`);
    if (existing && !options.force) throw problem(`${target} already exists; give ${options.forceFlag ?? '--force'} to replace it, or another name`);
  }
  return { path, format, force: options.force === true, bom: options.bom !== false, metaPath };
}

/** What is at `path`: its stat, undefined when nothing is, or 'not-a-folder' when a part of the path is a file. */
export function statIfAny(path: string): Stats | undefined | 'not-a-folder' {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return 'not-a-folder';
    throw error;
  }
}
