import type { EngineAdapter } from '../engine/engine-adapter.js';
import { postgresDdl } from './postgres-ddl.js';
import { postgresDriver } from './postgres-driver.js';
import { postgresIntrospector } from './postgres-introspector.js';
import { postgresLocks } from './postgres-locks.js';
import { postgresStatements } from './postgres-statements.js';

/** PostgreSQL (a server, or the embedded PGlite), one concern per file of this folder. */
export const postgresAdapter: EngineAdapter = {
  engine: 'postgres',
  driver: postgresDriver,
  ddl: postgresDdl,
  statements: postgresStatements,
  locks: postgresLocks,
  introspector: postgresIntrospector,
  // PostgreSQL never escalates row locks: an apply is one statement.
  capabilities: { escalatesRowLocks: false },
};
