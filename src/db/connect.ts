import { Kysely, type LogEvent } from 'kysely';
import { describeConnection, type ConnectionSpec } from '../config/connection-spec.js';
import { ConnectionError } from '../errors.js';
import type { Logger } from '../log.js';
import { adapterFor, type EngineAdapter, type SessionLimits } from './engines.js';
import { PAGE_ROWS, type Paging } from './keyset-pages.js';
import type { Database } from './model/schema.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly adapter: EngineAdapter;
  readonly spec: ConnectionSpec;
  /** user@host/database, safe for logs. */
  readonly label: string;
  /** One session only (the embedded database): nothing runs beside an open transaction. */
  readonly oneSession: boolean;
  /** SQL statements sent so far through this handle (each is one round trip): `--json` reports it. */
  readonly statementsSent: () => number;
  /** How streamed reads (reports, `show`) page: src/db/keyset-pages.ts. */
  readonly paging: Paging;
}

/**
 * Opens a pool, proves it by opening one session (so a wrong password fails here with one clear
 * line, not halfway through a job), runs `fn`, and always closes the pool.
 */
export async function usingDatabase<T>(
  spec: ConnectionSpec,
  fn: (handle: DatabaseHandle) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const handle = await openDatabase(spec, options);
  try {
    return await fn(handle);
  } finally {
    await handle.db.destroy();
  }
}

export interface OpenOptions {
  poolSize?: number;
  /** Lock and statement timeouts of every session (absent: the server's defaults, no limit). */
  limits?: SessionLimits;
  /** --show-sql: every statement sent, with its parameters, as it runs. */
  showSql?: (text: string) => void;
  /** Where the driver's connection errors are logged (default: JSON lines on stderr). */
  log?: Logger;
  /** Test seam: smaller pages, and a pause after each, for streamed reads (default PAGE_ROWS rows, no pause). */
  paging?: Partial<Paging>;
}

export async function openDatabase(spec: ConnectionSpec, options: OpenOptions = {}): Promise<DatabaseHandle> {
  const adapter = adapterFor(spec.engine);
  const show = options.showSql;
  let statements = 0;
  const db = new Kysely<Database>({
    dialect: await adapter.driver.createDialect(spec, options.poolSize ?? 4, options.limits, options.log),
    log: (event: LogEvent) => {
      statements++;
      show?.(formatQuery(event));
    },
  });
  const label = describeConnection(spec);
  try {
    // Connects (and logs in) without a statement: the first real statement then has a session ready.
    await db.connection().execute(async () => undefined);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const reason = adapter.driver.describeConnectError(error) ?? adapter.driver.describeStatementError(error);
    throw new ConnectionError(`Cannot connect to ${label}: ${reason}`, [], { cause: error });
  }
  const paging: Paging = { rows: options.paging?.rows ?? PAGE_ROWS, afterPage: options.paging?.afterPage };
  return { db, adapter, spec, label, oneSession: adapter.driver.oneSession(spec), statementsSent: () => statements, paging };
}

function formatQuery(event: LogEvent): string {
  const params = event.query.parameters.map((p, i) => `--   ${i + 1}: ${JSON.stringify(p)}`).join('\n');
  const failed = event.level === 'error' ? `-- FAILED: ${String((event.error as Error)?.message ?? event.error)}\n` : '';
  return `${event.query.sql};\n${params ? `${params}\n` : ''}${failed}-- (${event.queryDurationMillis.toFixed(1)} ms)\n`;
}
