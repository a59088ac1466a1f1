import {
  DummyDriver,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql, type ColumnDefinitionBuilder, type Insertable, type Kysely } from 'kysely';
import type { ConnectionSpec } from '../../config/connection-spec.js';
import type { RunTable } from '../model/schema.js';
import { postgresJournaledBatch } from './postgres-journaled-batch.js';
import { postgresJournaledRestore } from './postgres-journaled-restore.js';
import type { EngineAdapter, LockOutcome, SessionLimits } from '../engine/engine-adapter.js';

/** First key of every cw-maint advisory lock ('cwmt'), so our locks never collide with another app's. */
const LOCK_NAMESPACE = 0x63776d74 | 0;

/** 32-bit FNV-1a of the resource name: the second advisory-lock key. */
function lockKey(resource: string): number {
  let hash = 0x811c9dc5;
  for (const ch of resource) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

const CONNECT_ERROR_CODES: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'authentication rejected',
  '3D000': 'database does not exist',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'timed out connecting',
  EAI_AGAIN: 'host name lookup failed',
};

export const postgresAdapter: EngineAdapter = {
  engine: 'postgres',

  async createDialect(spec: ConnectionSpec, poolSize: number, limits?: SessionLimits) {
    if (spec.engine !== 'postgres') throw new Error('postgresAdapter needs a postgres connection spec');
    // Drivers are imported only when their engine is used (start-up time).
    if ('embedded' in spec) {
      const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
      // One connection only: the dialect serializes them (no statement here needs two at once).
      return new PGliteDialect(new PGlite(spec.dataDir));
    }
    const [{ default: pg }, { default: Cursor }] = await Promise.all([import('pg'), import('pg-cursor')]);
    const pool = new pg.Pool({
      connectionString: spec.connectionString,
      max: poolSize,
      connectionTimeoutMillis: spec.connectTimeoutMs ?? 15_000,
      application_name: 'cw-maint',
      // Session settings sent at connect. A session left idle inside a transaction (a hung
      // process) is ended by the server, which rolls it back.
      ...(limits
        ? {
            lock_timeout: limits.lockTimeoutMs,
            statement_timeout: limits.statementTimeoutMs,
            idle_in_transaction_session_timeout: Math.max(60_000, limits.statementTimeoutMs),
          }
        : {}),
    });
    // An idle connection dropped by the server (restart, failover, a DBA's kill) is removed from
    // the pool by pg; without a listener its 'error' event would crash a long-running scheduler.
    pool.on('error', () => undefined);
    // Likewise a connection dropped while checked out between statements: the next statement on it
    // fails and the run rolls back; the event itself must not take the process down.
    pool.on('connect', (client) => client.on('error', () => undefined));
    // pg-cursor: Kysely's stream() reads in chunks through a server-side cursor (show, reports).
    return new PostgresDialect({ pool, cursor: Cursor });
  },

  compileOnlyDialect: () => ({
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }),

  escalatesRowLocks: false,
  // MVCC: a reader never waits on a writer at READ COMMITTED.
  readCommittedSnapshot: async () => true,
  journaledRestore: postgresJournaledRestore,
  journaledBatch: postgresJournaledBatch,
  localNow: () => sql<Date>`localtimestamp`,
  utcNow: () => sql<Date>`(now() at time zone 'utc')`,

  types: {
    bool: 'boolean',
    text: 'text',
    timestamp: 'timestamp',
    shortText: (length: number) => sql`varchar(${sql.raw(String(length))})`,
  },
  identity: (column: ColumnDefinitionBuilder) => column.generatedByDefaultAsIdentity(),
  async renameTable(db, schema, from, to) {
    await sql`ALTER TABLE ${sql.table(`${schema}.${from}`)} RENAME TO ${sql.id(to)}`.execute(db);
  },
  async widenTextColumn(db, table, column, length) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE varchar(${sql.raw(String(length))})`.execute(db);
  },

  async insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>) {
    const row = await db.insertInto(runTable).values(values).returning('run_id').executeTakeFirstOrThrow();
    return Number((row as { run_id: number }).run_id);
  },

  async tryLock(connection: Kysely<any>, resource: string): Promise<LockOutcome> {
    // Session-level and non-waiting; released by the server when the connection closes.
    const { rows } = await sql<{ acquired: boolean }>`
      SELECT pg_try_advisory_lock(${LOCK_NAMESPACE}::int4, ${lockKey(resource)}::int4) AS acquired`.execute(connection);
    return rows[0]?.acquired
      ? { acquired: true }
      : { acquired: false, reason: 'held', detail: 'pg_try_advisory_lock returned false' };
  },

  async unlock(connection: Kysely<any>, resource: string) {
    await sql`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}::int4, ${lockKey(resource)}::int4)`.execute(connection);
  },

  async createSchemaIfMissing(db: Kysely<any>, schema: string) {
    await db.schema.createSchema(schema).ifNotExists().execute();
  },

  // "generated by default as identity" accepts explicit values as they are.
  withIdentityInsert: (db, _table, fn) => fn(db),

  classifyError(error: unknown) {
    const code = (error as { code?: string })?.code;
    if (code === '55P03') return 'lock-timeout';
    if (code === '40P01') return 'deadlock';
    if (code === '57014') return 'statement-timeout';
    return undefined;
  },

  describeConnectError(error: unknown) {
    const e = error as { code?: string; message?: string };
    const known = e?.code ? CONNECT_ERROR_CODES[e.code] : undefined;
    if (known) return `${known} (${e.message})`;
    if (/timeout|terminated/i.test(e?.message ?? '')) return `could not connect (${e.message})`;
    return undefined;
  },

  describeStatementError(error: unknown) {
    const e = error as { message?: string; code?: string };
    return e?.code ? `PostgreSQL error ${e.code}: ${e.message}` : String(e?.message ?? error);
  },
};
