import type {} from 'vitest';
import { parseConnectionSpec, type ConnectionSpec } from '../../src/config/connection-spec.js';

/** A database server the integration suite runs against, as found by global-setup. */
export interface TestEngine {
  /** Shown in test names: "postgres", "mssql (MSSQL_TEST_URL)", "mssql (testcontainers)". */
  name: string;
  engine: ConnectionSpec['engine'];
  /** An admin URL (a login that may CREATE DATABASE), pointing at a maintenance database. */
  adminUrl: string;
  /** 'babelfish' when the SQL Server endpoint is Babelfish for PostgreSQL (tests tolerate its known differences). */
  flavor: 'postgres' | 'sqlserver' | 'babelfish';
}

declare module 'vitest' {
  export interface ProvidedContext {
    engines: TestEngine[];
    /** Names this run's template databases, so a run never uses another run's (stale) fixture. */
    runTag: string;
  }
}

/** The same server, another database. */
export function specForDatabase(engine: TestEngine, database: string): ConnectionSpec {
  const admin = parseConnectionSpec(engine.adminUrl, 'test URL');
  if ('embedded' in admin) throw new Error('the integration suite needs a server, not pglite:');
  if (admin.engine === 'postgres') {
    const url = new URL(admin.connectionString);
    url.pathname = `/${database}`;
    return { ...admin, connectionString: url.toString(), database };
  }
  return { ...admin, database };
}
