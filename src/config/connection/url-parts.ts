import { UsageError } from '../../errors.js';

/* The parts of a connection URL every engine's parser shares. Every bad value is one clear line that never echoes a password. */

export function tryUrl(value: string, envName: string): URL {
  try {
    return new URL(value);
  } catch {
    // A port out of range also makes the URL invalid: say so, not "percent-encode the password".
    const authority = value.split('://')[1]?.split(/[/?#]/)[0] ?? '';
    const port = /:(\d*)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
    if (port !== undefined) parsePort(port, envName);
    throw new UsageError(
      `${envName} is not a valid URL (${redactedShape(value)}). Percent-encode special characters in the password (e.g. @ as %40).`,
    );
  }
}

export function parsePort(text: string, envName: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${envName} has an invalid port "${text}" (1 to 65535; SQL Server's default is 1433).`);
  }
  return port;
}

export function boolParam(raw: string | null, fallback: boolean, name: string, envName: string): boolean {
  if (raw === null || raw === '') return fallback;
  const v = raw.toLowerCase();
  if (['true', 'yes', '1', 'mandatory'].includes(v)) return true;
  if (['false', 'no', '0', 'optional'].includes(v)) return false;
  throw new UsageError(`${envName} has ${name}=${raw}; use true or false.`);
}

/** "mssql://***" shape of a bad value, so an error message never echoes a password. */
export function redactedShape(value: string): string {
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1];
  return scheme ? `${scheme}://…` : 'value hidden';
}

/** decodeURIComponent, with a usage error that never shows the text: a raw % in a password is the usual cause. */
export function decodeUrlPart(text: string, part: string, envName: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UsageError(
      `${envName} has a "%" in the ${part} that does not start a %XX escape. Percent-encode special characters in the ${part}: % as %25, @ as %40, : as %3A, / as %2F, # as %23, ? as %3F.`,
    );
  }
}

/** The known name nearest to `name`: the same ignoring case, spaces and underscores, a small typo, or a part of it. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[\s_-]/g, '');
  const wanted = plain(name);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const other = plain(candidate);
    const distance = other.includes(wanted) && wanted.length >= 4 ? 1 : editDistance(wanted, other);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? best.name : undefined;
}

export function refuse(envName: string, what: string, problems: string[]): void {
  if (problems.length === 1) throw new UsageError(`${envName} has a problem in its ${what}: ${problems[0]}.`);
  if (problems.length > 1) throw new UsageError(`${envName} has ${problems.length} problems in its ${what}:`, problems);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Seconds from an option, as milliseconds: a whole number from 1 to 3600. */
export function timeoutParam(raw: string | null | undefined, name: string, envName: string): number | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new UsageError(`${envName} has ${name}=${raw}; use a whole number of seconds from 1 to 3600.`);
  }
  return seconds * 1000;
}
