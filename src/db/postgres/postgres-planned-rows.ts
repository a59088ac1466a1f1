import { sql } from 'kysely';
import { AUDIT_SLOTS, type PlannedChunk } from '../engine/planned-rows.js';

/** An array literal's element: NULL bare, anything else quoted with " and \ escaped. */
const element = (value: string | number | null) => (value === null ? 'NULL' : typeof value === 'number' ? String(value) : `"${value.replace(/["\\]/g, '\\$&')}"`);
const arrayText = (values: ReadonlyArray<string | number | null>) => `{${values.map(element).join(',')}}`;

/**
 * PostgreSQL: the rows as parallel arrays, each one text parameter cast on the server, unnested
 * into `f(id, before, a0, a1, a2)`. Text parameters work alike through node-postgres and PGlite.
 */
export function postgresPlannedRelation(chunk: PlannedChunk) {
  const { rows } = chunk;
  const audit = Array.from({ length: AUDIT_SLOTS }, (_, i) => sql`cast(${arrayText(rows.map((r) => r.audit?.[i] ?? null))} as text[])`);
  return sql`unnest(cast(${arrayText(rows.map((r) => r.id))} as int[]), cast(${arrayText(rows.map((r) => r.before))} as int[]), ${sql.join(audit)}) AS f(id, before, a0, a1, a2)`;
}

/** A timestamp to the microsecond in one fixed form, whatever the session's DateStyle. */
export const postgresAuditText = (column: ReturnType<typeof sql>, kind: 'time' | 'text') =>
  kind === 'text' ? sql<string | null>`cast(${column} as text)` : sql<string | null>`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
