import {
  DummyDriver,
  MssqlAdapter,
  MssqlDialect,
  MssqlIntrospector,
  MssqlQueryCompiler,
  sql, type ColumnDefinitionBuilder, type Kysely, type Insertable } from 'kysely';
import type * as TediousTypes from 'tedious';
import type { ConnectionSpec, MssqlConnectionSpec } from '../../config/connection-spec.js';
import type { Logger } from '../../log.js';
import { encryptedLoginOnly } from '../mssql/encrypted-login.js';
import { reportsLostConnections } from '../mssql/lost-connection.js';
import { notEncryptedError, sessionEncrypted, tediousConfig } from '../tedious-config.js';
import type { RunTable } from '../schema.js';
import { mssqlJournaledBatch } from './mssql-journaled-batch.js';
import { mssqlJournaledRestore } from './mssql-journaled-restore.js';
import type { EngineAdapter, LockOutcome, SessionLimits } from './engine-adapter.js';

/** sp_getapplock return codes (documented by Microsoft): >= 0 granted, -1 timeout, -2 cancelled, -3 deadlock, -999 bad call. */
const APPLOCK_RESULTS: Record<number, string> = {
  [-1]: 'held by another session',
  [-2]: 'lock request cancelled',
  [-3]: 'chosen as deadlock victim',
  [-999]: 'parameter validation or other call error',
};

/**
 * tedious sends its session SET options in one batch right after login (getInitialSql); ours go
 * with them, so they hold for the whole session. DEADLOCK_PRIORITY LOW: ConnectWise's own
 * sessions win a deadlock, and cw-maint's apply is rolled back and tried again. The driver is
 * imported only when a SQL Server is used. No login leaves before TLS is up (encryptedLoginOnly),
 * and a lost connection is one clear error and one log line (reportsLostConnections).
 */
async function limitedConnectionClass() {
  const Tedious = await import('tedious');
  return class LimitedConnection extends reportsLostConnections(encryptedLoginOnly(Tedious.Connection)) {
    readonly #limits: SessionLimits | undefined;
    readonly #spec: MssqlConnectionSpec;

    constructor(limits: SessionLimits | undefined, spec: MssqlConnectionSpec, log: Logger | undefined) {
      super(tediousConfig(spec, limits));
      this.#limits = limits;
      this.#spec = spec;
      this.useLog(log);
    }

    /** A second line of defence behind encryptedLoginOnly: a session that is not encrypted is closed and refused. */
    override connect(callback?: (error?: Error) => void): void {
      super.connect((error) => {
        if (!error && this.#spec.encrypt !== false && !sessionEncrypted(this)) {
          this.close();
          callback?.(notEncryptedError(this.#spec));
          return;
        }
        callback?.(error);
      });
    }

    override getInitialSql(): string {
      const ours = this.#limits ? [`set lock_timeout ${Math.round(this.#limits.lockTimeoutMs)}`, 'set deadlock_priority low'] : [];
      return [super.getInitialSql(), ...ours].join('\n');
    }
  };
}

export const mssqlAdapter: EngineAdapter = {
  engine: 'mssql',

  async createDialect(spec: ConnectionSpec, poolSize: number, limits?: SessionLimits, log?: Logger) {
    if (spec.engine !== 'mssql') throw new Error('mssqlAdapter needs an mssql connection spec');
    const [Tarn, Tedious, LimitedConnection] = await Promise.all([import('tarn'), import('tedious'), limitedConnectionClass()]);
    return new MssqlDialect({
      tarn: { ...Tarn, options: { min: 0, max: poolSize, propagateCreateError: true } },
      tedious: {
        ...Tedious,
        connectionFactory: () => new LimitedConnection(limits, spec, log),
      },
    });
  },

  compileOnlyDialect: () => ({
    createAdapter: () => new MssqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new MssqlIntrospector(db),
    createQueryCompiler: () => new MssqlQueryCompiler(),
  }),

  escalatesRowLocks: true,
  async readCommittedSnapshot(db) {
    const { rows } = await sql<{ on: boolean | number | null }>`SELECT is_read_committed_snapshot_on AS ${sql.ref('on')} FROM sys.databases WHERE database_id = DB_ID()`.execute(db);
    return Boolean(rows[0]?.on);
  },
  journaledRestore: mssqlJournaledRestore,
  journaledBatch: mssqlJournaledBatch,
  localNow: () => sql<Date>`GETDATE()`,
  utcNow: () => sql<Date>`GETUTCDATE()`,

  types: {
    bool: sql`bit`,
    text: sql`nvarchar(max)`,
    timestamp: sql`datetime2`,
    shortText: (length: number) => sql`nvarchar(${sql.raw(String(length))})`,
  },
  identity: (column: ColumnDefinitionBuilder) => column.identity(),
  async renameTable(db, schema, from, to) {
    // @objtype 'OBJECT': documented for tables, and required by Babelfish.
    await sql`EXEC sp_rename ${`${schema}.${from}`}, ${to}, 'OBJECT'`.execute(db);
  },
  async widenTextColumn(db, table, column, length) {
    // SQL Server makes an altered column nullable unless NOT NULL is restated; Babelfish rejects
    // the restatement (and keeps NOT NULL, as PostgreSQL does). SERVERPROPERTY('Babelfish') is 1
    // on Babelfish and NULL on SQL Server.
    const type = `nvarchar(${Math.trunc(length)})`;
    const name = table.split('.').map((part) => `[${part.replace(/]/g, ']]')}]`).join('.');
    const alter = `ALTER TABLE ${name} ALTER COLUMN [${column.replace(/]/g, ']]')}] ${type}`;
    await sql`IF CAST(SERVERPROPERTY('Babelfish') AS int) = 1 EXEC(${alter}) ELSE EXEC(${`${alter} NOT NULL`})`.execute(db);
  },

  async insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>) {
    const row = await db.insertInto(runTable).values(values).output('inserted.run_id').executeTakeFirstOrThrow();
    return Number((row as { run_id: number }).run_id);
  },

  async tryLock(connection: Kysely<any>, resource: string): Promise<LockOutcome> {
    // @LockTimeout = 0: never wait (sp_getapplock waits forever without it). Session owner: the
    // lock outlives transactions on this connection and dies with the session.
    const { rows } = await sql<{ result: number }>`
      DECLARE @result int;
      EXEC @result = sp_getapplock @Resource = ${resource}, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
      SELECT @result AS result;`.execute(connection);
    const result = Number(rows[0]?.result);
    if (result >= 0) return { acquired: true };
    return {
      acquired: false,
      reason: result === -1 ? 'held' : 'error',
      detail: `sp_getapplock returned ${result} (${APPLOCK_RESULTS[result] ?? 'unknown'})`,
    };
  },

  async unlock(connection: Kysely<any>, resource: string) {
    await sql`EXEC sp_releaseapplock @Resource = ${resource}, @LockOwner = 'Session'`.execute(connection);
  },

  async createSchemaIfMissing(db: Kysely<any>, schema: string) {
    // CREATE SCHEMA must be alone in its batch, hence EXEC.
    await sql`IF SCHEMA_ID(${schema}) IS NULL EXEC(${`CREATE SCHEMA [${schema.replace(/]/g, ']]')}]`})`.execute(db);
  },

  async withIdentityInsert(db, table, fn) {
    // A Transaction is one connection already, and kysely refuses .connection() on it.
    const onOneConnection = <T>(work: (c: Kysely<any>) => Promise<T>) => (db.isTransaction ? work(db) : db.connection().execute(work));
    return onOneConnection(async (connection) => {
      await sql`SET IDENTITY_INSERT ${sql.table(table)} ON`.execute(connection);
      try {
        return await fn(connection);
      } finally {
        await sql`SET IDENTITY_INSERT ${sql.table(table)} OFF`.execute(connection);
      }
    });
  },

  classifyError(error: unknown) {
    const e = error as { number?: number; code?: string; message?: string };
    if (e?.number === 1222) return 'lock-timeout';
    if (e?.number === 1205) return 'deadlock';
    if (e?.code === 'ETIMEOUT' || /timeout: request failed to complete/i.test(e?.message ?? '')) return 'statement-timeout';
    return undefined;
  },

  describeConnectError(error: unknown) {
    const e = error as { code?: string; message?: string };
    if (e?.code === 'ELOGIN') return `login failed (${e.message ?? 'check the user name and password'})`;
    if (e?.code === 'ESOCKET' && /certificate/i.test(e.message ?? '')) {
      return `the server's TLS certificate is not trusted (${e.message}); give that certificate, or the CA that signed it, with serverCertificate=/path/cert.pem`;
    }
    if (e?.code === 'ESOCKET') return `cannot reach the server (${e.message ?? 'socket error'})`;
    if (e?.code === 'ETIMEOUT') return `timed out connecting (${e.message ?? ''})`;
    if (e?.code === 'EINSTLOOKUP') return `cannot find the named instance (${e.message ?? ''})`;
    if (e?.code === 'ENOTENCRYPTED') return e.message;
    return undefined;
  },

  describeStatementError(error: unknown) {
    const e = error as { message?: string; number?: number };
    return e?.number ? `SQL Server error ${e.number}: ${e.message}` : String(e?.message ?? error);
  },
};
