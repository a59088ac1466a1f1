import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Engine } from '../../db/engines.js';
import { CONNECTWISE_TABLES } from '../../db/model/layout.js';
import type { PrivilegeNeed } from './needs.js';

/**
 * What this login may do, read in one query (one round trip) from the server's own permission
 * functions, and which tables exist whether or not this login can see them. The catalog views
 * (INFORMATION_SCHEMA, sys.objects) hide a table the login has no permission on; a hidden table
 * must not pass for an absent one.
 *
 * - SQL Server: HAS_PERMS_BY_NAME (column-level UPDATE included) returns NULL for an object that
 *   does not exist and 0 for one that exists without the permission (documented). The journal
 *   schema can be listed completely only with SELECT or VIEW DEFINITION on the schema (or as
 *   db_owner), which the `grants` script gives.
 * - Babelfish returns 0, not NULL, for a missing object, and 0 for schema-level permissions it
 *   honours: there, existence and the journal schema's tables come from pg_catalog.pg_class
 *   (readable by every login), mapped to T-SQL schema names by sys.babelfish_namespace_ext.
 * - PostgreSQL: pg_class is visible to every login; has_table_privilege / has_column_privilege,
 *   together with USAGE on the schema.
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

interface Row {
  table_name: string;
  column_name: string;
  privilege: string;
  granted: number | boolean | null;
}

export function grantKey(table: string, column: string | undefined, privilege: string): string {
  return `${table}|${column ?? ''}|${privilege}`.toLowerCase();
}

export async function probePrivileges(db: Kysely<any>, engine: Engine, asked: readonly PrivilegeNeed[], journalSchema: string): Promise<PrivilegeSnapshot> {
  const query = engine === 'mssql' ? mssqlQuery(asked, journalSchema) : postgresQuery(journalSchema);
  const { rows } = await query.execute(db);
  return engine === 'mssql' ? mssqlSnapshot(rows, journalSchema) : postgresSnapshot(rows, journalSchema);
}

const lower = (s: string) => s.toLowerCase();
const isGranted = (g: Row['granted']) => g === true || Number(g) === 1;

function mssqlQuery(asked: readonly PrivilegeNeed[], journalSchema: string): RawBuilder<Row> {
  const items = new Map<string, [string, string, string]>();
  for (const table of CONNECTWISE_TABLES) items.set(grantKey(table, '', 'SELECT'), [table, '', 'SELECT']);
  for (const n of asked) items.set(grantKey(n.table, n.column, n.privilege), [n.table, n.column ?? '', n.privilege]);
  const values = sql.join([...items.values()].map(([t, c, p]) => sql`(${t}, ${c}, ${p})`));
  // Literals, not parameters: this text runs through EXEC, where the outer parameters are out of scope.
  const schemaLiteral = `N'${journalSchema.replace(/'/g, "''")}'`;
  const cwTables = CONNECTWISE_TABLES.map((t) => `N'${lower(t.slice('dbo.'.length))}'`).join(', ');
  const babelfishTables =
    `SELECT e.orig_name + N'.' + c.relname AS table_name, N'' AS column_name, N'EXISTS' AS privilege, 1 AS granted ` +
    `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ` +
    `JOIN sys.babelfish_namespace_ext e ON e.nspname = n.nspname AND e.dbid = DB_ID() ` +
    `WHERE c.relkind IN ('r', 'p', 'v') AND ((LOWER(e.orig_name) = N'dbo' AND LOWER(c.relname) IN (${cwTables})) OR LOWER(e.orig_name) = LOWER(${schemaLiteral})) ` +
    `UNION ALL SELECT N'', N'', N'EXISTS-LISTED', 1`;
  return sql<Row>`
    SELECT v.t AS table_name, v.c AS column_name, v.p AS privilege,
      CASE WHEN v.c = N'' THEN HAS_PERMS_BY_NAME(v.t, 'OBJECT', v.p) ELSE HAS_PERMS_BY_NAME(v.t, 'OBJECT', v.p, v.c, 'COLUMN') END AS granted
    FROM (VALUES ${values}) AS v(t, c, p)
    UNION ALL SELECT N'', N'', N'sysadmin', IS_SRVROLEMEMBER('sysadmin')
    UNION ALL SELECT N'', N'', N'db_owner', IS_MEMBER('db_owner')
    UNION ALL SELECT ${journalSchema}, N'', N'LIST',
      CASE WHEN HAS_PERMS_BY_NAME(${journalSchema}, 'SCHEMA', 'VIEW DEFINITION') = 1 THEN 1 ELSE HAS_PERMS_BY_NAME(${journalSchema}, 'SCHEMA', 'SELECT') END;
    IF CAST(SERVERPROPERTY('Babelfish') AS int) = 1 EXEC(${babelfishTables});`;
}

function mssqlSnapshot(rows: readonly Row[], journalSchema: string): PrivilegeSnapshot {
  const babelfish = rows.some((r) => r.privilege === 'EXISTS-LISTED');
  const role = (name: string) => rows.some((r) => r.privilege === name && r.table_name === '' && isGranted(r.granted));
  const elevated = [role('sysadmin') ? 'sysadmin (server role)' : '', role('db_owner') ? 'db_owner (database role)' : ''].filter(Boolean);
  const existing = new Set<string>();
  const granted = new Set<string>();
  for (const r of rows) {
    if (r.privilege === 'EXISTS') existing.add(lower(r.table_name));
    else if (['SELECT', 'INSERT', 'UPDATE'].includes(r.privilege)) {
      if (!babelfish && r.granted !== null && r.column_name === '') existing.add(lower(r.table_name));
      if (isGranted(r.granted)) granted.add(grantKey(r.table_name, r.column_name, r.privilege));
    }
  }
  const prefix = `${lower(journalSchema)}.`;
  const list = rows.find((r) => r.privilege === 'LIST');
  const journalSchemaTables = babelfish
    ? [...existing].filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
    : list?.granted === null || list?.granted === undefined // no such schema: nothing in it
      ? []
      : isGranted(list.granted) || elevated.length
        ? 'use-catalog'
        : 'not-listable';
  return { existing, journalSchemaTables, granted, elevated };
}

function postgresQuery(journalSchema: string): RawBuilder<Row> {
  const cwTables = CONNECTWISE_TABLES.map((t) => lower(t.slice('dbo.'.length)));
  return sql<Row>`
    WITH t AS (
      SELECT n.nspname || '.' || c.relname AS table_name, c.oid, c.relowner, has_schema_privilege(n.oid, 'USAGE') AS usable
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND ((lower(n.nspname) = 'dbo' AND lower(c.relname) IN (${sql.join(cwTables)})) OR lower(n.nspname) = lower(${journalSchema})))
    SELECT t.table_name, '' AS column_name, p.privilege, CASE WHEN t.usable AND has_table_privilege(t.oid, p.privilege) THEN 1 ELSE 0 END AS granted
    FROM t CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE')) AS p(privilege)
    UNION ALL
    SELECT t.table_name, a.attname, 'UPDATE', CASE WHEN t.usable AND has_column_privilege(t.oid, a.attnum, 'UPDATE') THEN 1 ELSE 0 END
    FROM t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT '', '', 'superuser', CASE WHEN r.rolsuper THEN 1 ELSE 0 END FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
    UNION ALL SELECT '', '', 'owner', 1 FROM t WHERE lower(t.table_name) = 'dbo.contact' AND pg_has_role(current_user, t.relowner, 'USAGE')`;
}

function postgresSnapshot(rows: readonly Row[], journalSchema: string): PrivilegeSnapshot {
  const role = (name: string) => rows.some((r) => r.privilege === name && r.table_name === '' && isGranted(r.granted));
  const elevated = [role('superuser') ? 'superuser' : '', role('owner') ? 'owner of dbo.Contact (owners bypass every grant)' : ''].filter(Boolean);
  const existing = new Set(rows.filter((r) => r.table_name !== '').map((r) => lower(r.table_name)));
  const granted = new Set(rows.filter((r) => r.table_name !== '' && isGranted(r.granted)).map((r) => grantKey(r.table_name, r.column_name, r.privilege)));
  const prefix = `${lower(journalSchema)}.`;
  const journalSchemaTables = [...existing].filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
  return { existing, journalSchemaTables, granted, elevated };
}
