import { DummyDriver, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { ConnectionSpec } from '../../config/connection-spec.js';
import type { EngineDriver, SessionLimits } from '../engine/engine-adapter.js';

const CONNECT_ERROR_CODES: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'authentication rejected',
  '3D000': 'database does not exist',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'timed out connecting',
  EAI_AGAIN: 'host name lookup failed',
};

export const postgresDriver: EngineDriver = {
  async createDialect(spec: ConnectionSpec, poolSize: number, limits?: SessionLimits) {
    if (spec.engine !== 'postgres') throw new Error('postgresDriver needs a postgres connection spec');
    // Drivers are imported only when their engine is used (start-up time).
    if ('embedded' in spec) {
      const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
      // One connection only: the dialect serializes them (no statement here needs two at once).
      return new PGliteDialect(new PGlite(spec.dataDir));
    }
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: spec.connectionString,
      max: poolSize,
      connectionTimeoutMillis: spec.connectTimeoutMs ?? 15_000,
      application_name: 'cw-maint',
      // A session whose host vanished is found by TCP keepalive; the server then ends it, and its
      // transaction-owned run lock with it.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
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
    // No cursor: a pg-cursor read on a connection the server ended can stay pending for ever. Reports
    // and show read in keyset pages (src/db/keyset-pages.ts); Kysely's stream() would fail here at once.
    return new PostgresDialect({ pool });
  },

  // PGlite is one in-process session: the dialect queues every other connection behind it.
  oneSession: (spec) => 'embedded' in spec,

  compileOnlyDialect: () => ({
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }),

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

  lostConnectionReason(error: unknown) {
    const e = error as { message?: string; code?: string };
    const code = e?.code ?? '';
    // The server ended the session (57P01 shutdown or pg_terminate_backend, 57P02 crash, 57P03 not
    // accepting connections, 57P04 database dropped, 57P05 idle_session_timeout) or SQLSTATE class 08
    // (connection exception); the socket itself; or pg's own errors for a client whose connection
    // ended, which carry no code.
    if (/^(57P0[1-5]|08...)$/.test(code)) return `PostgreSQL error ${code}: ${e.message}`;
    if (LOST_SOCKET_CODES.has(code)) return String(e.message ?? code);
    if (!code && /^Connection terminated|not queryable/.test(e?.message ?? '')) return e.message;
    return undefined;
  },
};

const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
