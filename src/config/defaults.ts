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

/**
 * An apply's plan lists its rows, and the UPDATE takes them by id, up to this many (the steady
 * state: one search). Beyond it (a first run) the rows stay on the server and the UPDATE searches
 * again: sending and joining that many ids costs more than the search it saves (bench/RESULTS.md).
 */
export const PLANNED_ROWS_MAX = 10_000;

/** From this many rows (by the server's catalog) on, maxPercent's total is the catalog's count, not a count(*). */
export const CATALOG_COUNT_FROM = 100_000;

/** A saved plan's apply refuses all of it when more than this share of its rows (percent) drifted since the plan. */
export const DEFAULT_MAX_DRIFT = 5;

/** A saved plan older than this is refused: a weekly change board's cycle. */
export const DEFAULT_PLAN_MAX_AGE_HOURS = 168;
