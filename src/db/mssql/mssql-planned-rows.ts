import { sql, type RawBuilder } from 'kysely';
import type { PlannedChunk } from '../engine/planned-rows.js';

const COLUMNS = sql`id, before, a0, a1, a2`;

/**
 * SQL Server: the rows as one nvarchar(max) JSON parameter read by OPENJSON: one parameter and one
 * cached plan whatever the chunk's length (never one parameter per id: 2,100 at most, and a plan
 * per list length). OPENJSON needs compatibility level 130; below it (`inline`), the rows go as
 * literal VALUES, which only ever holds ints and server-rendered text.
 */
export function mssqlPlannedRelation(chunk: PlannedChunk): RawBuilder<unknown> {
  if (chunk.inline) return inlineRelation(chunk);
  const json = JSON.stringify(chunk.rows.map((r) => [r.id, r.before, r.audit?.[0] ?? null, r.audit?.[1] ?? null, r.audit?.[2] ?? null]));
  return sql`OPENJSON(${json}) WITH (id int '$[0]', before int '$[1]', a0 nvarchar(4000) '$[2]', a1 nvarchar(4000) '$[3]', a2 nvarchar(4000) '$[4]') AS f`;
}

const text = (value: string | null | undefined) => (value === null || value === undefined ? sql`CAST(NULL AS nvarchar(4000))` : sql.raw(`N'${value.replace(/'/g, "''")}'`));
const int = (value: number | null) => (value === null ? sql`CAST(NULL AS int)` : sql.raw(String(Math.trunc(value))));

function inlineRelation(chunk: PlannedChunk): RawBuilder<unknown> {
  const rows = chunk.rows.map((r) => sql`(${int(r.id)}, ${int(r.before)}, ${text(r.audit?.[0])}, ${text(r.audit?.[1])}, ${text(r.audit?.[2])})`);
  return sql`(VALUES ${sql.join(rows)}) AS f(${COLUMNS})`;
}

/** A datetime or datetime2 as ISO 8601 text (style 126), to the unit the type stores; text as it is. */
export const mssqlAuditText = (column: RawBuilder<unknown>, kind: 'time' | 'text') =>
  kind === 'text' ? sql<string | null>`CAST(${column} AS nvarchar(4000))` : sql<string | null>`CONVERT(varchar(33), ${column}, 126)`;
