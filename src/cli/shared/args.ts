import { UsageError } from '../../errors.js';

/** The largest value of an int column (RecIDs, run ids, counts): SQL Server's and PostgreSQL's integer. */
export const INT_MAX = 2_147_483_647;

/** Every --limit: a whole number from 1 to this (history's runs, show's rows). */
export const LIMIT_MAX = 1_000_000;

/** The flag's text as typed, shortened and on one line, for a message. */
function echo(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function wholeNumber(text: string, flag: string, min: number, max: number, what: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be ${what} from ${min} to ${max.toLocaleString('en-US')}, got ${echo(text)}`);
  }
  return value;
}

/** A whole-number option (`--max-changes`): anything else is a usage error (exit 2). */
export function parseCount(text: string, flag: string): number {
  return wholeNumber(text, flag, 0, INT_MAX, 'a whole number');
}

/** A run id (`show`, `undo`): the run table's integer key. */
export function parseRunId(text: string): number {
  return wholeNumber(text, 'runId', 1, INT_MAX, 'a run id (see npm run job -- history): a whole number');
}

/** Every `--limit`, one rule. */
export function parseLimit(text: string, flag = '--limit'): number {
  return wholeNumber(text, flag, 1, LIMIT_MAX, 'a whole number');
}

/** A RecID (`--allow-status`): ConnectWise's keys start at 1. */
export function parseRecIds(text: string, flag: string): number[] {
  return text.split(',').map((id) => wholeNumber(id, flag, 1, INT_MAX, 'a list of RecIDs, each a whole number'));
}

/** A share in percent (`--max-percent`): a number from 0 to 100; the empty string is no number. */
export function parsePercent(text: string, flag: string): number {
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 100)) throw new UsageError(`${flag} must be a number from 0 to 100, got ${echo(text)}`);
  return value;
}

/**
 * Runs every check and reports every problem together (exit 2), rather than the first only: a
 * DBA fixes a command line once. A check's own error with details keeps its details.
 */
export function allChecked<T extends unknown[]>(checks: { [K in keyof T]: () => T[K] }): T {
  const errors: UsageError[] = [];
  const results = checks.map((check) => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      errors.push(error);
      return undefined;
    }
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length) {
    throw new UsageError('Invalid command line (nothing was connected to):', errors.flatMap((e) => (e.details.length ? e.details : [e.message])));
  }
  return results as T;
}
