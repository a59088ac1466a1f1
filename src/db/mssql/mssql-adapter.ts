import type { EngineAdapter } from '../engine/engine-adapter.js';
import { mssqlDdl } from './mssql-ddl.js';
import { mssqlDriver } from './mssql-driver.js';
import { mssqlIntrospector } from './mssql-introspector.js';
import { mssqlLocks } from './mssql-locks.js';
import { mssqlStatements } from './mssql-statements.js';

/** SQL Server (and Babelfish over TDS), one concern per file of this folder. */
export const mssqlAdapter: EngineAdapter = {
  engine: 'mssql',
  driver: mssqlDriver,
  ddl: mssqlDdl,
  statements: mssqlStatements,
  locks: mssqlLocks,
  introspector: mssqlIntrospector,
  capabilities: { escalatesRowLocks: true },
};
