import { sql, type Insertable, type Kysely } from 'kysely';
import type { RunTable } from '../model/schema.js';
import type { EngineStatements } from '../engine/engine-adapter.js';
import { postgresJournaledBatch } from './postgres-journaled-batch.js';
import { postgresJournaledRestore } from './postgres-journaled-restore.js';
import { postgresAuditText, postgresPlannedRelation } from './postgres-planned-rows.js';

/** From this many rows on, maxPercent's total comes from the catalog. */
const LARGE_TABLE = 100_000;

export const postgresStatements: EngineStatements = {
  localNow: () => sql<Date>`localtimestamp`,
  utcNow: () => sql<Date>`(now() at time zone 'utc')`,
  boolType: 'boolean',
  journaledBatch: postgresJournaledBatch,
  journaledRestore: postgresJournaledRestore,
  auditText: postgresAuditText,
  // reltuples: ANALYZE's and autovacuum's estimate; -1 on a table never analysed.
  contactTotal: () =>
    sql<number>`(CASE WHEN coalesce((SELECT c.reltuples FROM pg_class c WHERE c.oid = to_regclass('"dbo"."Contact"')), -1) >= ${sql.lit(LARGE_TABLE)}
  THEN (SELECT cast(c.reltuples as int) FROM pg_class c WHERE c.oid = to_regclass('"dbo"."Contact"'))
  ELSE (SELECT cast(count(*) as int) FROM ${sql.table('dbo.Contact')}) END)`,
  plannedRelation: postgresPlannedRelation,

  async insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>) {
    const row = await db.insertInto(runTable).values(values).returning('run_id').executeTakeFirstOrThrow();
    return Number((row as { run_id: number }).run_id);
  },
};
