/**
 * cw-maint's schema name is configurable, so its tables are named at run time. The casts give
 * Kysely the static names in `Database` ('cw_maint.run'); the aliases keep column references
 * independent of the real schema name.
 */
export function cwMaintTables(schema: string) {
  return {
    run: `${schema}.run` as 'cw_maint.run',
    runAs: `${schema}.run as r` as 'cw_maint.run as r',
    journal: `${schema}.journal` as 'cw_maint.journal',
    journalAs: `${schema}.journal as j` as 'cw_maint.journal as j',
  };
}

export { DEFAULT_JOURNAL_SCHEMA, SCHEMA_NAME_PATTERN } from '../config/defaults.js';

/** Every table cw-maint's migrations create, lower-cased: the journal schema may hold nothing else. */
export const CW_MAINT_OWN_TABLES: readonly string[] = ['run', 'journal', 'cw_maint_migration', 'cw_maint_migration_lock'];
