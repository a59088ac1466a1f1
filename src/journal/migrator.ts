import { Kysely, Migrator, type MigrationResultSet } from 'kysely';
import type { EngineAdapter } from '../db/adapters/index.js';
import { cwMaintMigrations } from './migrations.js';

export interface MigrationStatus {
  schema: string;
  applied: string[];
  pending: string[];
}

/** Kysely's Migrator over cw-maint's own migrations, with its bookkeeping tables in our schema. */
export function createMigrator(db: Kysely<any>, adapter: EngineAdapter, schema: string): Migrator {
  const migrations = cwMaintMigrations(adapter, schema);
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
    migrationTableName: 'cw_maint_migration',
    migrationLockTableName: 'cw_maint_migration_lock',
  });
}

/** Read-only: which migrations are applied and which are pending (all, when the schema is absent). */
export async function migrationStatus(db: Kysely<any>, adapter: EngineAdapter, schema: string): Promise<MigrationStatus> {
  const infos = await createMigrator(db, adapter, schema).getMigrations();
  return {
    schema,
    applied: infos.filter((m) => m.executedAt).map((m) => m.name),
    pending: infos.filter((m) => !m.executedAt).map((m) => m.name),
  };
}

export async function migrateToLatest(db: Kysely<any>, adapter: EngineAdapter, schema: string): Promise<MigrationResultSet> {
  return createMigrator(db, adapter, schema).migrateToLatest();
}
