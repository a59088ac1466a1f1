import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely types for the ConnectWise tables the jobs touch, and for cw-maint's own tables.
 *
 * Exact SQL types are not public; the contract in migrations-check/ is what is verified at run
 * time. Nullable where ConnectWise's nullability is unknown.
 * bit columns read back as boolean on both engines (tedious maps bit to boolean, pg maps boolean).
 */
export interface ContactTable {
  Contact_RecID: number;
  Company_RecID: number | null;
  First_Name: string | null;
  Last_Name: string | null;
  Default_Flag: boolean | null;
  Default_Billing_Flag: boolean | null;
  Inactive_Flag: boolean | null;
  Portal_Security_Level: number | null;
  Disable_Flag: boolean | null;
  // Audit columns: present in the reporting views; the runner sets them only where the table has them.
  Last_Update: ColumnType<Date | null, Date | string | null, Date | string | null>;
  Last_Update_UTC: ColumnType<Date | null, Date | string | null, Date | string | null>;
  Updated_By: string | null;
}

export interface CompanyTable {
  Company_RecID: number;
  Company_ID: string;
  Company_Name: string | null;
  Company_Status_RecID: number | null;
  /** Legacy layout only; newer ConnectWise versions use dbo.Company_Company_Type. */
  Company_Type_RecID: number | null;
}

export interface CompanyStatusTable {
  Company_Status_RecID: number;
  Description: string | null;
  Inactive_Flag: boolean | null;
  Default_Flag: boolean | null;
}

export interface CompanyTypeTable {
  Company_Type_RecID: number;
  Description: string | null;
}

export interface CompanyCompanyTypeTable {
  Company_RecID: number;
  Company_Type_RecID: number;
}

/** One row per run: the audit trail, and what `undo` and `history` read. */
export interface RunTable {
  run_id: Generated<number>;
  job: string;
  mode: 'dry-run' | 'apply' | 'undo' | 'plan';
  status: 'running' | 'succeeded' | 'failed' | 'refused' | 'declined' | 'interrupted' | 'skipped';
  params: string;
  started_at: ColumnType<Date, Date, Date>;
  finished_at: ColumnType<Date | null, Date | null, Date | null>;
  matched: number | null;
  changed: number | null;
  unchanged: number | null;
  error: string | null;
  host: string;
  os_user: string;
  trigger: 'manual' | 'schedule';
  undo_of_run_id: number | null;
  /** A change-ticket reference (--ticket). */
  ticket: ColumnType<string | null, string | null | undefined, string | null>;
  /** 2: the journal holds the audit columns too (runs from before that: null). */
  journal_version: ColumnType<number | null, number | null | undefined, number | null>;
  /** When the run's notifications were sent (or claimed, for an interrupted run); null: not yet, or none configured. */
  notified_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Why a notification failed (targets named, no secrets); the run's outcome is unaffected. */
  notify_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** The database session that held the run lock (PostgreSQL's backend pid, SQL Server's session id). */
  session_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The config file the run read, and the SHA-256 of its bytes (null: no config file). */
  config_path: ColumnType<string | null, string | null | undefined, string | null>;
  config_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  /** A saved plan's SHA-256: on its own run (mode 'plan') and on every apply of it. */
  plan_digest: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Before-value of every row a run changed, written in the same transaction as the change. */
export interface JournalTable {
  run_id: number;
  contact_recid: number;
  column_name: string;
  old_value: number | null;
  /** NULL only where a NULL was restored: by an undo, or by restore-reactivated (the value from before the revoke). */
  new_value: number | null;
  /** The audit columns before the change and right after it (a trigger's own stamp included). */
  old_last_update: Date | null;
  old_last_update_utc: Date | null;
  old_updated_by: string | null;
  new_last_update: Date | null;
  new_last_update_utc: Date | null;
  new_updated_by: string | null;
}

export interface ConnectWiseTables {
  'dbo.Contact': ContactTable;
  'dbo.Company': CompanyTable;
  'dbo.Company_Status': CompanyStatusTable;
  'dbo.Company_Type': CompanyTypeTable;
  'dbo.Company_Company_Type': CompanyCompanyTypeTable;
}

/**
 * cw-maint's own tables live in a schema of their own (default cw_maint, configurable):
 * name them through cwMaintTables(schema), never by these literal keys.
 */
export interface CwMaintTables {
  'cw_maint.run': RunTable;
  'cw_maint.journal': JournalTable;
}

export type Database = ConnectWiseTables & CwMaintTables;

/** The Contact columns a job may change. Both are stored in the journal as integers. */
export type ChangeableColumn = 'Portal_Security_Level' | 'Disable_Flag';

/** How each changeable column is stored: a number, or a flag (bit on SQL Server, boolean on PostgreSQL). */
export const CHANGEABLE_COLUMN_KIND: Record<ChangeableColumn, 'int' | 'flag'> = { Portal_Security_Level: 'int', Disable_Flag: 'flag' };

export const AUDIT_COLUMNS = ['Last_Update', 'Last_Update_UTC', 'Updated_By'] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];
