import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { EngineDdl } from '../engine/engine-adapter.js';
import { mssqlGrants } from './mssql-grants.js';
import { mssqlScript } from './mssql-script.js';

export const mssqlDdl: EngineDdl = {
  types: {
    bool: sql`bit`,
    text: sql`nvarchar(max)`,
    timestamp: sql`datetime2`,
    shortText: (length: number) => sql`nvarchar(${sql.raw(String(length))})`,
  },
  identity: (column: ColumnDefinitionBuilder) => column.identity(),
  async renameTable(db, schema, from, to) {
    // @objtype 'OBJECT': documented for tables, and required by Babelfish.
    await sql`EXEC sp_rename ${`${schema}.${from}`}, ${to}, 'OBJECT'`.execute(db);
  },
  async dropForeignKeys(db, schema, table) {
    const name = `[${schema.replace(/]/g, ']]')}].[${table.replace(/]/g, ']]')}]`;
    const literal = name.replace(/'/g, "''");
    await sql.raw(`DECLARE @fk sysname, @sql nvarchar(max);
WHILE 1 = 1 BEGIN
  SET @fk = (SELECT TOP (1) name FROM sys.foreign_keys WHERE parent_object_id = OBJECT_ID(N'${literal}'));
  IF @fk IS NULL BREAK;
  SET @sql = N'ALTER TABLE ${literal} DROP CONSTRAINT ' + QUOTENAME(@fk);
  EXEC sp_executesql @sql;
END`).execute(db);
  },
  async widenTextColumn(db, table, column, length) {
    // SQL Server makes an altered column nullable unless NOT NULL is restated; Babelfish rejects
    // the restatement (and keeps NOT NULL, as PostgreSQL does). SERVERPROPERTY('Babelfish') is 1
    // on Babelfish and NULL on SQL Server.
    const type = `nvarchar(${Math.trunc(length)})`;
    const name = table.split('.').map((part) => `[${part.replace(/]/g, ']]')}]`).join('.');
    const alter = `ALTER TABLE ${name} ALTER COLUMN [${column.replace(/]/g, ']]')}] ${type}`;
    await sql`IF CAST(SERVERPROPERTY('Babelfish') AS int) = 1 EXEC(${alter}) ELSE EXEC(${`${alter} NOT NULL`})`.execute(db);
  },

  async createSchemaIfMissing(db: Kysely<any>, schema: string) {
    // CREATE SCHEMA must be alone in its batch, hence EXEC.
    await sql`IF SCHEMA_ID(${schema}) IS NULL EXEC(${`CREATE SCHEMA [${schema.replace(/]/g, ']]')}]`})`.execute(db);
  },

  script: mssqlScript,
  grants: mssqlGrants,
};
