import { sql, type Insertable, type Kysely } from 'kysely';
import type { RunTable } from '../model/schema.js';
import type { EngineStatements } from '../engine/engine-adapter.js';
import { postgresJournaledBatch } from './postgres-journaled-batch.js';
import { postgresJournaledRestore } from './postgres-journaled-restore.js';
import { postgresAuditText, postgresPlannedRelation } from './postgres-planned-rows.js';

export const postgresStatements: EngineStatements = {
  localNow: () => sql<Date>`localtimestamp`,
  utcNow: () => sql<Date>`(now() at time zone 'utc')`,
  boolType: 'boolean',
  journaledBatch: postgresJournaledBatch,
  journaledRestore: postgresJournaledRestore,
  auditText: postgresAuditText,
  // reltuples: ANALYZE's and autovacuum's estimate; -1 on a table never analysed.
  catalogContacts: () => sql<number | null>`(SELECT c.reltuples FROM pg_class c WHERE c.oid = to_regclass('"dbo"."Contact"'))`,
  plannedRelation: postgresPlannedRelation,

  async insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>) {
    const row = await db.insertInto(runTable).values(values).returning('run_id').executeTakeFirstOrThrow();
    return Number((row as { run_id: number }).run_id);
  },
};
