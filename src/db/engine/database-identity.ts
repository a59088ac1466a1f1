/**
 * Which database a saved plan was made on, as the server itself reports it: a plan applies only
 * where every field is the same. Babelfish's @@SERVERNAME is "BABELFISH" everywhere, so the
 * database's own creation date and identifiers carry the weight.
 */
export interface DatabaseIdentity {
  /** The server as it names itself: its address (PostgreSQL), @@SERVERNAME with the instance (SQL Server); null where it names nothing. */
  server: string | null;
  port: number | null;
  database: string;
  /** SQL Server: sys.databases.create_date (a restore makes a new one). PostgreSQL has none: null. */
  created: string | null;
  /** SQL Server: sys.databases.service_broker_guid; PostgreSQL: the cluster's system identifier and the database's oid. */
  uniqueId: string | null;
}

/** The identity, and the server's clock now (UTC, as text the server renders). */
export interface DatabaseFacts {
  identity: DatabaseIdentity;
  now: string;
}
