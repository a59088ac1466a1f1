import { Kysely, Migrator, type CompiledQuery, type MigrationResultSet } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';
import { readCatalog } from '../db/catalog.js';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationStatusFrom, type MigrationStatus } from './migration-status.js';
import { cwMaintMigrations } from './migrations.js';

export type { MigrationStatus } from './migration-status.js';

/** Kysely's Migrator over cw-maint's own migrations, with its bookkeeping tables in our schema. */
export function createMigrator(db: Kysely<any>, adapter: EngineAdapter, schema: string): Migrator {
  const migrations = cwMaintMigrations(adapter, schema);
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/** Read-only: which migrations are applied, pending, or unknown to this build. */
export async function migrationStatus(db: Kysely<any>, adapter: EngineAdapter, schema: string): Promise<MigrationStatus> {
  return migrationStatusFrom(await readCatalog(db, schema), db, adapter, schema);
}

export async function migrateToLatest(db: Kysely<any>, adapter: EngineAdapter, schema: string): Promise<MigrationResultSet> {
  return createMigrator(db, adapter, schema).migrateToLatest();
}

/** The DDL of the pending migrations, compiled against the same engine but never sent. */
export async function pendingDdl(adapter: EngineAdapter, schema: string, pending: string[]): Promise<string> {
  const captured: CompiledQuery[] = [];
  const capture = new Kysely<any>({
    dialect: adapter.driver.compileOnlyDialect(),
    log: (event) => {
      captured.push(event.query);
    },
  });
  const migrations = cwMaintMigrations(adapter, schema);
  for (const name of pending) await migrations[name]!.up(capture);
  await capture.destroy();
  return captured.map((q) => `${q.sql};\n`).join('');
}
