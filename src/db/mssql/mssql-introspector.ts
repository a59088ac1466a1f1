import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CONNECTWISE_TABLES } from '../model/layout.js';
import type { EngineIntrospector } from '../engine/engine-adapter.js';
import { grantKey, isGranted, type PrivilegeAsk, type PrivilegeRow as Row, type PrivilegeSnapshot } from '../engine/privileges.js';

/**
 * SQL Server: HAS_PERMS_BY_NAME (column-level UPDATE included) returns NULL for an object that
 * does not exist and 0 for one that exists without the permission (documented). The journal
 * schema can be listed completely only with SELECT or VIEW DEFINITION on the schema (or as
 * db_owner), which the `grants` script gives.
 * Babelfish returns 0, not NULL, for a missing object, and 0 for schema-level permissions it
 * honours: there, existence and the journal schema's tables come from pg_catalog.pg_class
 * (readable by every login), mapped to T-SQL schema names by sys.babelfish_namespace_ext.
 */
export const mssqlIntrospector: EngineIntrospector = {
  async probePrivileges(db: Kysely<any>, asked: readonly PrivilegeAsk[], journalSchema: string) {
    const { rows } = await mssqlQuery(asked, journalSchema).execute(db);
    return mssqlSnapshot(rows, journalSchema);
  },
  async readCommittedSnapshot(db) {
    const { rows } = await sql<{ on: boolean | number | null }>`SELECT is_read_committed_snapshot_on AS ${sql.ref('on')} FROM sys.databases WHERE database_id = DB_ID()`.execute(db);
    return Boolean(rows[0]?.on);
  },
  /**
   * OPENJSON needs compatibility level 130 (SQL Server 2016) or above; an upgraded ConnectWise
   * database can sit lower. Below it, one probe decides: Babelfish reports 120 and has OPENJSON.
   */
  async plannedRowsForm(db) {
    const { rows } = await sql<{ level: number | null }>`SELECT compatibility_level AS level FROM sys.databases WHERE database_id = DB_ID()`.execute(db);
    const level = Number(rows[0]?.level ?? 0);
    if (level >= 130) return { inline: false };
    const works = await sql`SELECT TOP (0) 1 AS one FROM OPENJSON(N'[]')`.execute(db).then(
      () => true,
      () => false,
    );
    return works ? { inline: false } : { inline: true, note: `compatibility level ${level} has no OPENJSON: planned rows are sent as literal VALUES` };
  },
  // The port stays null: sys.dm_exec_connections needs VIEW SERVER STATE, which a least-privilege login lacks; the instance names the listener.
  async databaseFacts(db) {
    const { rows } = await sql<{ server: string | null; instance: string | null; port: number | null; database: string; created: string | null; guid: string | null; now: string }>`SELECT @@SERVERNAME AS server, CAST(SERVERPROPERTY('InstanceName') AS nvarchar(128)) AS instance,
  CAST(NULL AS int) AS port,
  d.name AS ${sql.ref('database')}, CONVERT(varchar(33), d.create_date, 126) AS created, CAST(d.service_broker_guid AS nvarchar(36)) AS guid,
  CONVERT(varchar(33), SYSUTCDATETIME(), 126) AS now
FROM sys.databases d WHERE d.database_id = DB_ID()`.execute(db);
    const r = rows[0]!;
    const server = [r.server, r.instance].filter((s) => s).join('\\') || null;
    return { identity: { server, port: r.port === null ? null : Number(r.port), database: r.database, created: r.created, uniqueId: r.guid }, now: r.now };
  },
  async secondsSince(db, at) {
    // A bigint of milliseconds (tedious gives it as text): a decimal quotient here is a numeric tedious cannot read from Babelfish.
    const { rows } = await sql<{ ms: number | string }>`SELECT DATEDIFF_BIG(millisecond, CONVERT(datetime2, ${at.replace(' ', 'T')}, 126), SYSUTCDATETIME()) AS ms`.execute(db);
    return Number(rows[0]!.ms) / 1000;
  },
};

const lower = (s: string) => s.toLowerCase();

function mssqlQuery(asked: readonly PrivilegeAsk[], journalSchema: string): RawBuilder<Row> {
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
