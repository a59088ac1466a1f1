import { sql, type Kysely } from 'kysely';
import { CONNECTWISE_TABLES } from './model/layout.js';

export interface ColumnInfo {
  dataType: string;
  nullable: boolean;
}

/** What the database has: lower-cased "schema.table" -> lower-cased column -> info. */
export type SchemaSnapshot = Map<string, Map<string, ColumnInfo>>;

export interface CatalogRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
}

/**
 * One read of INFORMATION_SCHEMA.COLUMNS (both engines have it), for the ConnectWise tables
 * cw-maint uses and for cw-maint's own schema only: a real ConnectWise database has about 500
 * tables, and reading them all on every run is waste. Names are compared case-insensitively,
 * as SQL Server does under ConnectWise's default collation.
 */
export async function readCatalog(db: Kysely<any>, journalSchema: string): Promise<SchemaSnapshot> {
  const tables = CONNECTWISE_TABLES.map((t) => t.slice('dbo.'.length).toLowerCase());
  const { rows } = await sql<CatalogRow>`
    SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name, COLUMN_NAME AS column_name,
           DATA_TYPE AS data_type, IS_NULLABLE AS is_nullable
    FROM INFORMATION_SCHEMA.COLUMNS
    WHERE (LOWER(TABLE_SCHEMA) = ${'dbo'} AND LOWER(TABLE_NAME) IN (${sql.join(tables)}))
       OR LOWER(TABLE_SCHEMA) = ${journalSchema.toLowerCase()}`.execute(db);
  return snapshotFromRows(rows);
}

/** Builds the case-insensitive snapshot from catalog rows as the server returns them. */
export function snapshotFromRows(rows: readonly CatalogRow[]): SchemaSnapshot {
  const snapshot: SchemaSnapshot = new Map();
  for (const row of rows) {
    const table = `${row.table_schema}.${row.table_name}`.toLowerCase();
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

/** The tables the snapshot holds in `schema` (lower-cased names). */
export function tablesInSchema(snapshot: SchemaSnapshot, schema: string): string[] {
  const prefix = `${schema.toLowerCase()}.`;
  return [...snapshot.keys()].filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}
