import { UsageError } from '../errors.js';
import type { ConnectionForm } from './connection/connection-form.js';
import { redactedShape } from './connection/url-parts.js';
import { mssqlConnection, type MssqlConnectionSpec } from './mssql/mssql-connection.js';
import { postgresConnection, type EmbeddedConnectionSpec, type PostgresConnectionSpec } from './postgres/postgres-connection.js';

/**
 * Where to connect, parsed from CW_DB_URL. The password never leaves this object except
 * into the driver: logs and messages use `describeConnection`.
 */
export type ConnectionSpec = MssqlConnectionSpec | PostgresConnectionSpec | EmbeddedConnectionSpec;
export type { MssqlConnectionSpec } from './mssql/mssql-connection.js';
export type { EmbeddedConnectionSpec, PostgresConnectionSpec } from './postgres/postgres-connection.js';

/** Each engine's connection strings (src/config/mssql, src/config/postgres). */
const FORMS: { [E in ConnectionSpec['engine']]: ConnectionForm<Extract<ConnectionSpec, { engine: E }>> } = {
  mssql: mssqlConnection,
  postgres: postgresConnection,
};

const formOf = (spec: ConnectionSpec) => FORMS[spec.engine] as ConnectionForm<ConnectionSpec>;


const ENV_NAME = 'CW_DB_URL';

export function parseConnectionSpec(raw: string | undefined, envName = ENV_NAME): ConnectionSpec {
  const value = raw?.trim();
  if (!value) {
    throw new UsageError(
      `${envName} is not set. Set it in the environment or in .env, e.g. ` +
        `${envName}=mssql://cw_maint:PASSWORD@sqlhost:1433/cwwebapp_site?encrypt=true`,
    );
  }
  for (const form of Object.values(FORMS) as Array<ConnectionForm<ConnectionSpec>>) {
    const spec = form.parse(value, envName);
    if (spec) return spec;
  }
  throw new UsageError(
    `${envName} is not a connection string cw-maint understands (${redactedShape(value)}). ` +
      'Use mssql://user:password@host:1433/Database, an ADO string (Server=...;Database=...;User Id=...;Password=...), ' +
      'postgres://user:password@host:5432/db, or pglite:./folder for the embedded demo database.',
  );
}

/** Safe to log: engine, user, host, port, database. Never the password. */
export function describeConnection(spec: ConnectionSpec): string {
  return formOf(spec).describe(spec);
}

/** Server (engine, host, instance, port) and database: enough to tell production from a restored copy, no credentials. */
export function describeServer(spec: ConnectionSpec): { server: string; database: string } {
  return formOf(spec).server(spec);
}

/** The database password, to be taken out of any text that leaves the process. */
export function passwordOf(spec: ConnectionSpec): string | undefined {
  return formOf(spec).password(spec);
}

/** What is weaker than the default in how cw-maint connects: logged as warnings, never silent. */
export function connectionWarnings(spec: ConnectionSpec): string[] {
  return formOf(spec).warnings(spec);
}

/** Where cw-maint does something other than the connection string may seem to ask: logged, never silent. */
export function connectionNotices(spec: ConnectionSpec): string[] {
  return formOf(spec).notices(spec);
}
