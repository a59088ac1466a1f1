import type { RowSource } from '../../db/keyset-pages.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/model/schema.js';
import type { ReportRow } from '../../report/report-file.js';
import { changeFor, changing, knownValue } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import { latestChangeBy } from '../../vocabulary/journal-filters.js';
import { plannedRows, type AlsoWhere } from './plan.js';

/**
 * Do the configured jobs converge? Two jobs fight when each would change back what the other
 * wrote: run them on a schedule and the same rows flip on every run (each flip stamps
 * Last_Update, so ConnectWise's integrations resync them too). Seen two ways:
 * - from the jobs' declared effects (their column, value, onlyWhere and reverts), with the
 *   contacts both targets match today: a fight found before either job has run;
 * - from the journal: job B would change rows whose latest change was job A's, and A would
 *   change them back (its target still matches them).
 * Two jobs that write the same value never fight, whatever their order.
 */

export interface ConfiguredJob {
  job: AnyJob;
  params: Record<string, unknown>;
}

export interface Fight {
  /** The two jobs, in the order of the config's entries (for 'journal': the job whose change is taken back first). */
  jobs: [string, string];
  column: string;
  seen: 'effects' | 'journal';
  /** effects: contacts both targets match now; journal: rows the second job would change back now. */
  count: number;
  reason: string;
  /** The config's allowFights names this pair. */
  allowed: boolean;
}

/** What one job writes, for comparing: a known value, or each row's journaled before-value (never the value it reverts). */
function writtenValue(entry: ConfiguredJob): { known: number } | { notEqualTo: number } {
  const value = knownValue(entry.job, entry.params);
  return value ? { known: value.known } : { notEqualTo: Number(entry.job.reverts!.value) };
}

/** The values the two jobs write can differ (only two known, equal values cannot). */
function mayDiffer(a: ConfiguredJob, b: ConfiguredJob): boolean {
  const [va, vb] = [writtenValue(a), writtenValue(b)];
  return !('known' in va && 'known' in vb && va.known === vb.known);
}

/**
 * After `b` wrote its value on a row both target, `a` would change that row again: they write the
 * same column, the values can differ, `a`'s onlyWhere accepts `b`'s value, and, when `a` takes back
 * other jobs' changes, `b`'s change is one it takes back.
 */
export function wouldChangeBack(a: ConfiguredJob, b: ConfiguredJob): boolean {
  if (a.job.writes !== b.job.writes || a.job.name === b.job.name || !mayDiffer(a, b)) return false;
  const vb = writtenValue(b);
  const only = a.job.onlyWhere;
  if (only && a.params[only.param] === true && 'known' in vb && vb.known !== only.holds) return false;
  const reverts = a.job.reverts;
  if (reverts) {
    if (!('known' in vb) || vb.known !== Number(reverts.value)) return false;
    if (reverts.of !== 'any-apply' && !reverts.of.jobs.includes(b.job.name)) return false;
  }
  return true;
}

/** Every fight among `entries`, seen both ways, each with its count. Reads only. */
export async function findFights(
  db: Kysely<Database>,
  entries: readonly ConfiguredJob[],
  context: TargetContext,
  allowFights: ReadonlyArray<readonly [string, string]> = [],
): Promise<Fight[]> {
  const fights: Fight[] = [];
  const fight = (a: ConfiguredJob, b: ConfiguredJob, seen: Fight['seen'], count: number, reason: string): Fight => ({
    jobs: [a.job.name, b.job.name],
    column: a.job.writes,
    seen,
    count,
    reason,
    allowed: allowFights.some(([x, y]) => (x === a.job.name && y === b.job.name) || (x === b.job.name && y === a.job.name)),
  });
  for (const [i, a] of entries.entries()) {
    for (const b of entries.slice(i + 1)) {
      if (!wouldChangeBack(a, b) || !wouldChangeBack(b, a)) continue;
      const count = await countBoth(db, a, b, context);
      if (!count) continue;
      fights.push(fight(a, b, 'effects', count, effectsReason(a, b, count)));
    }
  }
  for (const a of entries) {
    for (const b of entries) {
      if (!wouldChangeBack(a, b)) continue;
      const count = await countTakenBack(db, a, b, context);
      if (!count) continue;
      const reason = `${b.job.name} would change ${count} contact(s) whose latest ${a.job.writes} change was ${a.job.name}'s, and ${a.job.name}'s target still matches them: ${a.job.name} would change them back on its next run`;
      fights.push(fight(a, b, 'journal', count, reason));
    }
  }
  return fights;
}

function effectsReason(a: ConfiguredJob, b: ConfiguredJob, count: number): string {
  const what = (e: ConfiguredJob) => {
    const v = writtenValue(e);
    return 'known' in v ? `sets ${e.job.writes} = ${v.known}` : `restores ${e.job.writes} to its value from before ${e.job.name === a.job.name ? b.job.name : a.job.name}`;
  };
  const reverting = [a, b].find((e) => e.job.reverts);
  const base = `${a.job.name} ${what(a)} and ${b.job.name} ${what(b)}; both target ${count} contact(s) today`;
  return reverting
    ? `${base}, and ${reverting.job.name} re-enables what ${reverting === a ? b.job.name : a.job.name} disables: each would undo the other on every run`
    : `${base}: each would undo the other on every run`;
}

/** Contacts both jobs' targets match (their declared conditions on the column and the journal left out: those are the effects). */
async function countBoth(db: Kysely<Database>, a: ConfiguredJob, b: ConfiguredJob, context: TargetContext): Promise<number> {
  const row = await db
    .selectFrom('dbo.Contact')
    .where((eb) => eb.and([a.job.target(eb, a.params, context), b.job.target(eb, b.params, context)]))
    .select(sql<number>`cast(count(*) as int)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Of the rows `b` would change, those whose latest change of the column was `a`'s while `a`'s target still matches them. */
function takenBack(a: ConfiguredJob, context: TargetContext): AlsoWhere {
  return (eb) => eb.and([latestChangeBy(a.job.writes, { jobs: [a.job.name] }, context), a.job.target(eb, a.params, context)]);
}

async function countTakenBack(db: Kysely<Database>, a: ConfiguredJob, b: ConfiguredJob, context: TargetContext): Promise<number> {
  const change = changeFor(b.job, b.params, context);
  const row = await db
    .selectFrom('dbo.Contact')
    .where((eb) => eb.and([changing(eb, b.job, b.params, change, context), takenBack(a, context)(eb)]))
    .select(sql<number>`cast(count(*) as int)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The rows of each fight seen in the journal, for the plan's report: what the second job would change, marked with whose change that takes back. */
export async function* fightRows(source: RowSource, entries: readonly ConfiguredJob[], fights: readonly Fight[], context: TargetContext): AsyncGenerator<ReportRow> {
  for (const fight of fights.filter((f) => f.seen === 'journal')) {
    const [a, b] = fight.jobs.map((name) => entries.find((e) => e.job.name === name)!) as [ConfiguredJob, ConfiguredJob];
    yield* plannedRows(source, b.job, b.params, changeFor(b.job, b.params, context), context, { where: takenBack(a, context), takesBack: a.job.name });
  }
}
