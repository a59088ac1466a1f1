import type { Kysely } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';
import { hasObject, type SchemaSnapshot } from '../db/catalog.js';
import { cwMaintMigrations } from './migrations.js';

export const MIGRATION_TABLE = 'cw_maint_migration';
export const MIGRATION_LOCK_TABLE = 'cw_maint_migration_lock';

export interface MigrationStatus {
  schema: string;
  applied: string[];
  pending: string[];
  /** Applied by a newer cw-maint: migration names this build does not know. */
  unknown: string[];
}

/**
 * Which of cw-maint's migrations are applied, from the catalog snapshot the preflight already
 * read plus one SELECT of Kysely's bookkeeping table (Migrator.getMigrations() would introspect
 * every table and column of the database to find it).
 */
export async function migrationStatusFrom(
  catalog: SchemaSnapshot,
  db: Kysely<any>,
  adapter: EngineAdapter,
  schema: string,
): Promise<MigrationStatus> {
  const known = Object.keys(cwMaintMigrations(adapter, schema));
  let applied: string[] = [];
  if (hasObject(catalog, `${schema}.${MIGRATION_TABLE}`)) {
    const rows = await db.selectFrom(`${schema}.${MIGRATION_TABLE}`).select('name').orderBy('name').execute();
    applied = rows.map((r: { name: string }) => r.name);
  }
  return {
    schema,
    applied,
    pending: known.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !known.includes(name)),
  };
}

/** The latest applied migration's tables must also still be there (a dropped journal is not "migrated"). */
export function missingOwnTables(catalog: SchemaSnapshot, status: MigrationStatus): string[] {
  if (status.pending.length || !status.applied.length) return [];
  return ['run', 'journal'].filter((t) => !hasObject(catalog, `${status.schema}.${t}`)).map((t) => `${status.schema}.${t}`);
}
