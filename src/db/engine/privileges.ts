/** What the preflight asks the server about one permission. */
export interface PrivilegeAsk {
  table: string;
  column?: string;
  privilege: 'SELECT' | 'INSERT' | 'UPDATE';
}

/**
 * What this login may do, read in one query (one round trip) from the server's own permission
 * functions, and which tables exist whether or not this login can see them. The catalog views
 * (INFORMATION_SCHEMA, sys.objects) hide a table the login has no permission on; a hidden table
 * must not pass for an absent one. Each engine's introspector says how it reads them.
 */
export interface PrivilegeSnapshot {
  /** Tables that exist (lower-cased "schema.table"), among those asked about and in the journal schema. */
  existing: Set<string>;
  /**
   * Every table in the journal schema, visible or not; 'use-catalog' when the catalog the
   * preflight read shows them all; 'not-listable' when this login cannot know.
   */
  journalSchemaTables: string[] | 'use-catalog' | 'not-listable';
  /** Granted permissions: lower-cased "schema.table|column|PRIVILEGE" (column empty for the table). */
  granted: Set<string>;
  /** Roles that give this login far more than cw-maint needs. */
  elevated: string[];
}

/** The rows both engines' permission queries return. */
export interface PrivilegeRow {
  table_name: string;
  column_name: string;
  privilege: string;
  granted: number | boolean | null;
}

export function grantKey(table: string, column: string | undefined, privilege: string): string {
  return `${table}|${column ?? ''}|${privilege}`.toLowerCase();
}

export const isGranted = (g: PrivilegeRow['granted']) => g === true || Number(g) === 1;
