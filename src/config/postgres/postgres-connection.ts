import { UsageError } from '../../errors.js';
import type { ConnectionForm } from '../connection/connection-form.js';
import { decodeUrlPart, parsePort, timeoutParam, tryUrl } from '../connection/url-parts.js';

export interface PostgresConnectionSpec {
  engine: 'postgres';
  connectionString: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** connect_timeout (seconds, as libpq names it), in ms. */
  connectTimeoutMs: number | undefined;
}

/**
 * The embedded demo database (PGlite: PostgreSQL compiled to WebAssembly, in-process), for
 * trying cw-maint where no server is configured. It is PostgreSQL, so the postgres adapter
 * serves it. `pglite:memory` keeps nothing; `pglite:./dir` persists in a folder.
 */
export interface EmbeddedConnectionSpec {
  engine: 'postgres';
  embedded: true;
  dataDir: string | undefined;
  database: string;
}

/** postgres:// URLs, and pglite: for the embedded demo database. */
export const postgresConnection: ConnectionForm<PostgresConnectionSpec | EmbeddedConnectionSpec> = {
  parse(value, envName) {
    if (/^postgres(ql)?:\/\//i.test(value)) return parsePostgresUrl(value, envName);
    if (/^pglite:/i.test(value)) {
      const where = value.slice('pglite:'.length).trim();
      if (!where) throw new UsageError(`${envName}=pglite: needs a folder (pglite:./demo-db) or pglite:memory.`);
      return { engine: 'postgres', embedded: true, dataDir: where === 'memory' ? undefined : where, database: where };
    }
    return undefined;
  },
  describe: (spec) =>
    'embedded' in spec ? `pglite:${spec.dataDir ?? 'memory'} (embedded demo database)` : `postgres://${spec.user ? `${spec.user}@` : ''}${spec.host}:${spec.port}/${spec.database}`,
  server: (spec) =>
    'embedded' in spec ? { server: `pglite:${spec.dataDir ?? 'memory'}`, database: spec.database } : { server: `postgres://${spec.host}:${spec.port}`, database: spec.database },
  password(spec) {
    if ('embedded' in spec) return undefined;
    try {
      return decodeURIComponent(new URL(spec.connectionString).password) || undefined;
    } catch {
      return undefined;
    }
  },
  // node-postgres connects as the URL says; nothing weaker than the default to warn about.
  warnings: () => [],
  notices: () => [],
};

function parsePostgresUrl(value: string, envName: string): PostgresConnectionSpec {
  const url = tryUrl(value, envName);
  const database = decodeUrlPart(url.pathname.replace(/^\//, ''), 'database name', envName);
  // node-postgres decodes the password itself, and a raw % there would fail it with "URI malformed".
  decodeUrlPart(url.password, 'password', envName);
  if (!url.hostname || !database) {
    throw new UsageError(`${envName} is incomplete: use postgres://user:password@host:5432/db.`);
  }
  return {
    engine: 'postgres',
    connectionString: value,
    host: url.hostname,
    port: url.port ? parsePort(url.port, envName) : 5432,
    database,
    user: decodeUrlPart(url.username, 'user name', envName),
    connectTimeoutMs: timeoutParam(url.searchParams.get('connect_timeout'), 'connect_timeout', envName),
  };
}
