/**
 * Defaults and name rules of the config file that other areas share. They live here, at the
 * bottom, so that the config imports nothing above it.
 */

/** Rows per batch of an apply: below the 5,000 row locks at which SQL Server escalates to a table lock. */
export const DEFAULT_BATCH_SIZE = 4000;

/** Schema of cw-maint's own tables (runs, journal). */
export const DEFAULT_JOURNAL_SCHEMA = 'cw_maint';
export const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const DEFAULT_CONFIG_FILE = 'cw-maint.config.json';
export const DEFAULT_MAX_CHANGES = 1000;
