import { sql, type Kysely } from 'kysely';
import type { ConnectionSpec } from '../config/connection-spec.js';
import type { EngineAdapter } from '../db/engines.js';
import type { Database } from '../db/model/schema.js';
import { SchemaCheckError } from '../errors.js';
import { MIGRATION_TABLE, migrationStatusFrom, missingOwnTables, type MigrationStatus } from '../journal/migration-status.js';
import { CW_MAINT_OWN_TABLES } from '../journal/tables.js';
import { blockedMessages, checkSchema, type SchemaReport } from './schema-check.js';
import { hasObject, readCatalog, tablesInSchema, type SchemaSnapshot } from '../db/catalog.js';
import type { AnyJob } from '../vocabulary/job-definition.js';
import { requirementsOf } from '../vocabulary/required-columns.js';
import { checkPrivileges, privilegeReasons, type PrivilegeReport } from './privileges/check.js';
import { probePrivileges } from './privileges/probe.js';
import { askedPrivileges, hiddenConnectWiseTables, journalSchemaListing } from './privileges/preflight-privileges.js';
import { privilegeNeeds } from './privileges/needs.js';

export interface PreflightReport {
  /** The catalog as read (the tables cw-maint uses): what optional checks ask about. */
  catalog: SchemaSnapshot;
  schema: SchemaReport;
  migrations: MigrationStatus;
  /** Problems with cw-maint's own schema: some block applies only, some every run. */
  ownSchema: { blocksApply: string[]; blocksEveryRun: string[] };
  /** What the login may do against what the jobs and commands need; over-privilege warnings. */
  privileges: PrivilegeReport;
  /** An apply sends its planned rows as literal VALUES (EngineIntrospector.plannedRowsForm). */
  plannedRowsInline: boolean;
}

/**
 * The one check every path makes before it reads or writes anything else: job runs, --show-sql,
 * migrations-check. One catalog read (only the tables cw-maint uses), one read of the login's
 * permissions (src/preflight/privileges/) and one read of the migration table. Collects every problem;
 * throws nothing.
 */
export async function preflight(
  handle: { db: Kysely<Database>; adapter: EngineAdapter; spec?: ConnectionSpec },
  jobs: readonly AnyJob[],
  journalSchema: string,
): Promise<PreflightReport> {
  const catalog = await readCatalog(handle.db, journalSchema);
  const granted = await probePrivileges(handle.db, handle.adapter, askedPrivileges(jobs, journalSchema), journalSchema);
  const schema = checkSchema(catalog, requirementsOf(jobs), undefined, hiddenConnectWiseTables(granted, catalog));
  const needs = privilegeNeeds({ jobs, layout: schema.layout, auditColumns: schema.auditColumns, journalSchema });
  // The embedded demo database has one user, a superuser, and no logins to make: no warning there.
  const embedded = handle.spec !== undefined && 'embedded' in handle.spec;
  const privileges = checkPrivileges(embedded ? { ...granted, elevated: [] } : granted, needs, (table, column) => hasObject(catalog, `${table}.${column}`));
  const migrations = await migrationStatusFrom(catalog, handle.db, handle.adapter, journalSchema);
  const rowsForm = await handle.adapter.introspector.plannedRowsForm(handle.db);

  const blocksEveryRun: string[] = [];
  // Every table of the journal schema, hidden ones included: a hidden table must not pass the check.
  const listed = journalSchemaListing(granted, tablesInSchema(catalog, journalSchema));
  if (!listed) {
    blocksEveryRun.push(
      `this login cannot see every table in schema "${journalSchema}", so cw-maint cannot make sure it holds only its own tables; grant it SELECT (or VIEW DEFINITION) on the schema (see \`npm run job -- grants\`). It would be unsafe to continue.`,
    );
  }
  const foreign = (listed ?? []).filter((t) => !CW_MAINT_OWN_TABLES.includes(t));
  if (foreign.length) {
    blocksEveryRun.push(
      `schema "${journalSchema}" holds tables that are not cw-maint's (${foreign.join(', ')}); journalSchema must be a schema of cw-maint's own. It would be unsafe to continue.`,
    );
  }
  if (migrations.unknown.length) {
    blocksEveryRun.push(
      `cw-maint's schema "${journalSchema}" was migrated by a newer cw-maint (migrations this build does not know: ${migrations.unknown.join(', ')}). Upgrade cw-maint; it would be unsafe to continue.`,
    );
  }
  const blocksApply: string[] = [];
  if (migrations.pending.length) {
    blocksApply.push(
      `cw-maint's own tables in schema "${journalSchema}" are not at the latest migration (pending: ${migrations.pending.join(', ')}). ` +
        'Run `npm run migrate` (or `npm run migrate -- --dry-run` to see the DDL first). Dry runs work without it.',
    );
  }
  const missing = missingOwnTables(catalog, migrations);
  if (missing.length) blocksApply.push(`cw-maint's tables ${missing.join(', ')} are missing although migrated; restore them from a backup.`);
  return { catalog, schema, migrations, ownSchema: { blocksApply, blocksEveryRun }, privileges, plannedRowsInline: rowsForm.inline };
}

/** Every reason `job` cannot run in `mode`, one line each. */
export function reasonsNotToRun(report: PreflightReport, job: string, mode: 'dry-run' | 'apply'): string[] {
  return [
    ...blockedMessages(report.schema, [job]),
    ...report.ownSchema.blocksEveryRun,
    ...(mode === 'apply' ? report.ownSchema.blocksApply : []),
    ...privilegeReasons(report.privileges, job, mode),
  ];
}

export function assertCanRun(report: PreflightReport, job: string, mode: 'dry-run' | 'apply'): void {
  const reasons = reasonsNotToRun(report, job, mode);
  if (reasons.length) {
    throw new SchemaCheckError('Schema check failed; nothing was changed. Run `npm run migrations-check` for the full report.', reasons);
  }
}

/** cw-maint's run history can be written: its tables exist at this build's migration. */
export function historyWritable(report: PreflightReport): boolean {
  return !report.ownSchema.blocksApply.length && !report.ownSchema.blocksEveryRun.length;
}

/**
 * Under the run lock: cw-maint's migrations are still the ones the preflight saw. A migrate run
 * meanwhile (it takes the same lock) would make the checked schema stale: refuse, run again.
 */
export async function assertMigrationsUnchanged(db: Kysely<Database>, report: PreflightReport): Promise<void> {
  const { schema, applied } = report.migrations;
  const now = applied.length ? (await db.selectFrom(`${schema}.${MIGRATION_TABLE}` as 'cw_maint.run').select(sql<string>`name`.as('name')).execute()).map((r) => r.name).sort() : [];
  if (now.join() !== [...applied].sort().join()) {
    throw new SchemaCheckError(`cw-maint's own schema "${schema}" was migrated while this run waited (now: ${now.join(', ') || 'none'}). Nothing was changed; run again.`);
  }
}
