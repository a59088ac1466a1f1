import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/model/schema.js';
import { UsageError } from '../errors.js';
import type { AnyJob } from './job-definition.js';
import { companyStatuses, type ExistenceCheck } from './params.js';

const NEAREST = 5;

/**
 * Parameter values that name ConnectWise rows (RecIDs, a Company_ID) must exist: a typo must not
 * pass as "0 rows matched". Compared by the server, under the same collation as the job's own
 * WHERE. The error lists the valid RecIDs, or the nearest Company_IDs (ignoring case).
 */
export async function checkParamValues(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, allowStatuses: readonly number[] = []): Promise<void> {
  const wanted = Object.entries(job.params).flatMap(([key, spec]) => {
    const check = spec.mustExistIn;
    const value = params[key];
    if (!check || value === undefined) return [];
    return ((Array.isArray(value) ? value : [value]) as Array<string | number>).map((v) => ({ key, check, value: v }));
  });
  // --allow-status (or allowStatuses): a RecID that does not exist lets nothing through, and is a typo.
  wanted.push(...allowStatuses.map((value) => ({ key: 'allowStatuses (--allow-status)', check: companyStatuses.mustExistIn, value })));
  if (!wanted.length) return;
  // Every value in one statement (one round trip); the error path then reads what is valid.
  const found = await matchCounts(db, wanted);
  const problems: string[] = [];
  for (const key of new Set(wanted.map((w) => w.key))) {
    const absent = wanted.filter((w, i) => w.key === key && !found[i]);
    if (absent.length) problems.push(await describeMissing(db, key, absent[0]!.check, absent.map((w) => w.value)));
  }
  if (problems.length) throw new UsageError('Configured values do not exist in this database (nothing was changed):', problems);
}

/**
 * How many rows hold each wanted value, compared by the server (text under its collation, exactly
 * as in the job's WHERE).
 */
async function matchCounts(db: Kysely<Database>, wanted: Array<{ check: ExistenceCheck; value: string | number }>): Promise<number[]> {
  const each = wanted.map(
    ({ check, value }, i) =>
      sql`SELECT cast(${i} as int) AS i, (SELECT count(*) FROM ${sql.table(check.table)} WHERE ${sql.ref(check.column)} = ${value}) AS n`,
  );
  const { rows } = await sql<{ i: number; n: number }>`${sql.join(each, sql` UNION ALL `)}`.execute(db);
  const counts = wanted.map(() => 0);
  for (const row of rows) counts[Number(row.i)] = Number(row.n);
  return counts;
}

async function describeMissing(db: Kysely<any>, key: string, check: ExistenceCheck, absent: Array<string | number>): Promise<string> {
  const rows = (await db
    .selectFrom(check.table)
    .select([sql.ref(check.column).as('value'), sql.ref(check.label).as('label')])
    .orderBy(sql.ref(check.column))
    .execute()) as Array<{ value: string | number; label: string | null }>;
  const table = check.table;
  if (check.kind === 'recid') {
    const valid = rows.map((r) => `${r.value} = ${r.label ?? '(no description)'}`).join(', ');
    return `${key}: ${absent.join(', ')} not found in ${table}. Valid: ${valid || '(table is empty)'}`;
  }
  return absent
    .map((w) => {
      const nearest = nearestValues(String(w), rows, NEAREST).map((r) => `${r.value} (${r.label ?? 'no name'})`);
      return `${key}: "${w}" not found in ${table}.${check.column}. Nearest: ${nearest.join(', ') || '(table is empty)'}`;
    })
    .join('; ');
}

/** The `count` rows whose value is closest to `wanted` by edit distance, ignoring case. */
export function nearestValues<T extends { value: string | number }>(wanted: string, rows: readonly T[], count: number): T[] {
  const target = wanted.toLowerCase();
  return rows
    .map((row) => ({ row, distance: editDistance(target, String(row.value).toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || String(a.row.value).localeCompare(String(b.row.value)))
    .slice(0, count)
    .map((r) => r.row);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
