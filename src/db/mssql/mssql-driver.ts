import { DummyDriver, MssqlAdapter, MssqlDialect, MssqlIntrospector, MssqlQueryCompiler } from 'kysely';
import type { ConnectionSpec, MssqlConnectionSpec } from '../../config/connection-spec.js';
import type { Logger } from '../../log.js';
import { encryptedLoginOnly } from './encrypted-login.js';
import { ConnectionLostError, reportsLostConnections } from './lost-connection.js';
import type { EngineDriver, SessionLimits } from '../engine/engine-adapter.js';
import { notEncryptedError, sessionEncrypted, tediousConfig } from './tedious-config.js';

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

export const mssqlDriver: EngineDriver = {
  async createDialect(spec: ConnectionSpec, poolSize: number, limits?: SessionLimits, log?: Logger) {
    if (spec.engine !== 'mssql') throw new Error('mssqlDriver needs an mssql connection spec');
    const [Tarn, Tedious, LimitedConnection] = await Promise.all([import('tarn'), import('tedious'), limitedConnectionClass()]);
    return new MssqlDialect({
      tarn: { ...Tarn, options: { min: 0, max: poolSize, propagateCreateError: true } },
      tedious: {
        ...Tedious,
        connectionFactory: () => new LimitedConnection(limits, spec, log),
      },
    });
  },

  oneSession: () => false,

  compileOnlyDialect: () => ({
    createAdapter: () => new MssqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new MssqlIntrospector(db),
    createQueryCompiler: () => new MssqlQueryCompiler(),
  }),

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

  lostConnectionReason(error: unknown) {
    // Once tedious has seen the socket go, every request on the connection fails as a ConnectionLostError.
    if (error instanceof ConnectionLostError) return error.reason;
    const e = error as { message?: string; code?: string };
    return e?.code === 'ESOCKET' || e?.code === 'ECONNRESET' ? String(e.message ?? e.code) : undefined;
  },
};
