import { sql, type Insertable, type Kysely } from 'kysely';
import type { RunTable } from '../model/schema.js';
import type { EngineStatements } from '../engine/engine-adapter.js';
import { mssqlJournaledBatch } from './mssql-journaled-batch.js';
import { mssqlJournaledRestore } from './mssql-journaled-restore.js';
import { mssqlAuditText, mssqlPlannedRelation } from './mssql-planned-rows.js';

export const mssqlStatements: EngineStatements = {
  localNow: () => sql<Date>`GETDATE()`,
  utcNow: () => sql<Date>`GETUTCDATE()`,
  boolType: sql`bit`,
  journaledBatch: mssqlJournaledBatch,
  journaledRestore: mssqlJournaledRestore,
  auditText: mssqlAuditText,
  // sys.partitions: visible with any permission on the table (sys.dm_db_partition_stats needs VIEW DATABASE STATE).
  catalogContacts: () => sql<number | null>`(SELECT SUM(p.rows) FROM sys.partitions p WHERE p.object_id = OBJECT_ID(N'dbo.Contact') AND p.index_id IN (0, 1))`,
  plannedRelation: mssqlPlannedRelation,

  async insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>) {
    const row = await db.insertInto(runTable).values(values).output('inserted.run_id').executeTakeFirstOrThrow();
    return Number((row as { run_id: number }).run_id);
  },
};
