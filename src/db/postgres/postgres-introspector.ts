import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CONNECTWISE_TABLES } from '../model/layout.js';
import type { EngineIntrospector } from '../engine/engine-adapter.js';
import { grantKey, isGranted, type PrivilegeAsk, type PrivilegeRow as Row, type PrivilegeSnapshot } from '../engine/privileges.js';

/**
 * PostgreSQL: pg_class is visible to every login; has_table_privilege / has_column_privilege,
 * together with USAGE on the schema.
 */
export const postgresIntrospector: EngineIntrospector = {
  async probePrivileges(db: Kysely<any>, _asked: readonly PrivilegeAsk[], journalSchema: string) {
    const { rows } = await postgresQuery(journalSchema).execute(db);
    return postgresSnapshot(rows, journalSchema);
  },
  // MVCC: a reader never waits on a writer at READ COMMITTED.
  readCommittedSnapshot: async () => true,
  // unnest over array parameters: in every supported version.
  plannedRowsForm: async () => ({ inline: false }),
  async databaseFacts(db) {
    const { rows } = await sql<{ server: string | null; port: number | null; database: string; unique_id: string | null; now: string }>`SELECT host(inet_server_addr()) AS server, inet_server_port() AS port, current_database() AS database,
  (SELECT system_identifier::text FROM pg_control_system()) || ':' || d.oid::text AS unique_id,
  to_char(clock_timestamp() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS now
FROM pg_database d WHERE d.datname = current_database()`.execute(db);
    const r = rows[0]!;
    return { identity: { server: r.server, port: r.port === null ? null : Number(r.port), database: r.database, created: null, uniqueId: r.unique_id }, now: r.now };
  },
  async secondsSince(db, at) {
    const { rows } = await sql<{ s: number }>`SELECT extract(epoch FROM (clock_timestamp() AT TIME ZONE 'utc') - cast(${at} AS timestamp))::float8 AS s`.execute(db);
    return Number(rows[0]!.s);
  },
};

const lower = (s: string) => s.toLowerCase();

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
