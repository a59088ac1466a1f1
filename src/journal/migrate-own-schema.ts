import type { DatabaseHandle } from '../db/connect.js';
import { RunFailedError, SchemaCheckError } from '../errors.js';
import { migrationStatus, migrateToLatest, pendingDdl } from './migrator.js';

/**
 * `migrate`: brings cw-maint's own schema to this build's latest migration, or (dry run) returns
 * the DDL it would run. Returns the report to print. Refuses a schema migrated by a newer build.
 */
export async function migrateOwnSchema(handle: DatabaseHandle, schema: string, options: { dryRun: boolean }): Promise<string> {
  const { db, adapter, label } = handle;
  const status = await migrationStatus(db, adapter, schema);
  if (status.unknown.length) {
    throw new SchemaCheckError(
      `cw-maint's schema "${schema}" was migrated by a newer cw-maint (${status.unknown.join(', ')}); this build will not touch it. Upgrade cw-maint.`,
    );
  }
  if (!status.pending.length) return `cw-maint schema "${schema}" on ${label} is at the latest migration (${status.applied.at(-1)}). Nothing to do.\n`;
  if (options.dryRun) {
    return [
      `-- Pending migrations for schema "${schema}" on ${label}: ${status.pending.join(', ')}\n`,
      status.applied.length ? '' : `-- (and Kysely's bookkeeping tables cw_maint_migration, cw_maint_migration_lock; schema "${schema}" is created if missing)\n`,
      await pendingDdl(adapter, schema, status.pending),
      '-- Dry run: nothing was executed.\n',
    ].join('');
  }
  const { error, results } = await migrateToLatest(db, adapter, schema);
  const lines = (results ?? []).map((r) => `${r.status === 'Success' ? 'applied' : r.status === 'Error' ? 'FAILED ' : 'skipped'} ${r.migrationName}\n`);
  if (error) {
    throw new RunFailedError(`Migration failed and was rolled back: ${adapter.driver.describeStatementError(error)}`, lines.map((l) => l.trim()), { cause: error });
  }
  return `${lines.join('')}cw-maint schema "${schema}" on ${label} is at the latest migration.\n`;
}
