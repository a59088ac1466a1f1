import { sql, type Kysely } from 'kysely';

export interface ColumnInfo {
  dataType: string;
  nullable: boolean;
}

/** What the database has: lower-cased "dbo.table" -> lower-cased column -> info. */
export type SchemaSnapshot = Map<string, Map<string, ColumnInfo>>;

/**
 * Reads INFORMATION_SCHEMA.COLUMNS for schema dbo (both engines have it). Names are compared
 * case-insensitively, as SQL Server does under ConnectWise's default collation.
 * Unquoted identifiers: PostgreSQL folds them to its lower-case information_schema.
 */
export async function inspectSchema(db: Kysely<any>): Promise<SchemaSnapshot> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
    SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, DATA_TYPE AS data_type, IS_NULLABLE AS is_nullable
    FROM INFORMATION_SCHEMA.COLUMNS
    WHERE TABLE_SCHEMA = ${'dbo'}`.execute(db);
  const snapshot: SchemaSnapshot = new Map();
  for (const row of rows) {
    const table = `dbo.${row.table_name}`.toLowerCase();
    if (!snapshot.has(table)) snapshot.set(table, new Map());
    snapshot.get(table)!.set(row.column_name.toLowerCase(), {
      dataType: row.data_type,
      nullable: String(row.is_nullable).toUpperCase() === 'YES',
    });
  }
  return snapshot;
}

/** "dbo.Table" or "dbo.Table.Column" exists in the snapshot. */
export function hasObject(snapshot: SchemaSnapshot, qualified: string): boolean {
  const parts = qualified.toLowerCase().split('.');
  const table = snapshot.get(`${parts[0]}.${parts[1]}`);
  if (!table) return false;
  return parts.length === 2 || table.has(parts[2]!);
}

export function findColumn(snapshot: SchemaSnapshot, table: string, column: string): ColumnInfo | undefined {
  return snapshot.get(table.toLowerCase())?.get(column.toLowerCase());
}
