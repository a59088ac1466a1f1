import type { Engine, EngineAdapter } from './engine/engine-adapter.js';
import { mssqlAdapter } from './mssql/mssql-adapter.js';
import { postgresAdapter } from './postgres/postgres-adapter.js';

const ADAPTERS: Record<Engine, EngineAdapter> = { mssql: mssqlAdapter, postgres: postgresAdapter };

export function adapterFor(engine: Engine): EngineAdapter {
  return ADAPTERS[engine];
}

export type { Engine, EngineAdapter, LockOutcome, SessionLimits } from './engine/engine-adapter.js';
