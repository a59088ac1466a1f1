import type * as TediousTypes from 'tedious';
import type { MssqlConnectionSpec } from '../../config/connection-spec.js';
import type { SessionLimits } from '../engine/engine-adapter.js';

/**
 * tedious's configuration for one connection: SQL or Windows (NTLM) login, encryption and the
 * certificate to trust, timeouts. The password goes into the driver here and nowhere else.
 */
export function tediousConfig(spec: MssqlConnectionSpec, limits: SessionLimits | undefined): TediousTypes.ConnectionConfiguration {
  return {
    server: spec.server,
    authentication: spec.domain
      ? { type: 'ntlm', options: { userName: spec.user, password: spec.password, domain: spec.domain } }
      : { type: 'default', options: { userName: spec.user, password: spec.password } },
    options: {
      database: spec.database,
      // tedious rejects port and instanceName together. A port given with the instance wins, as with
      // SQL Server's own clients (the instance name then finds nothing: connection-warnings says so);
      // without one, SQL Browser tells the instance's port.
      ...(spec.instanceName && !spec.port ? { instanceName: spec.instanceName } : { port: spec.port ?? 1433 }),
      encrypt: spec.encrypt,
      trustServerCertificate: spec.trustServerCertificate,
      // serverCertificate: trust exactly this certificate (a self-signed one is its own CA) instead of the system's CAs.
      ...(spec.serverCertificate ? { cryptoCredentialsDetails: { ca: spec.serverCertificate } } : {}),
      appName: 'cw-maint',
      connectTimeout: spec.connectTimeoutMs ?? 15_000,
      // The statement timeout (statementTimeoutSeconds; 0: none). A timed-out request is
      // cancelled; the runner then rolls its transaction back.
      requestTimeout: limits?.statementTimeoutMs ?? 0,
      // XACT_ABORT: without it a lock timeout (1222) or a cancelled request ends only the
      // statement and leaves the transaction open.
      abortTransactionOnError: true,
    },
  };
}

/** A login that went through but whose session is not encrypted although encryption was asked for. */
export class SessionNotEncryptedError extends Error {
  readonly code = 'ENOTENCRYPTED';
}

/**
 * Whether the session tedious negotiated is encrypted, seen from the client: tedious starts TLS
 * only when the server's pre-login answer asks for it, so `encrypt: true` against a server that
 * offers none goes on in clear. TDS 7.x: its message IO sets tlsNegotiationComplete after the
 * handshake; TDS 8 (encrypt: 'strict'): the socket itself is a TLS socket. (The server's view,
 * sys.dm_exec_connections, needs VIEW SERVER STATE, which cw-maint's login should not have.)
 */
export function sessionEncrypted(connection: unknown): boolean {
  const c = connection as { messageIo?: { tlsNegotiationComplete?: boolean }; socket?: { encrypted?: boolean } };
  return c.messageIo?.tlsNegotiationComplete === true || c.socket?.encrypted === true;
}

export function notEncryptedError(spec: MssqlConnectionSpec): SessionNotEncryptedError {
  return new SessionNotEncryptedError(
    // Reached only if the check before the login (src/db/mssql/encrypted-login.ts) did not hold: say what went out.
    `the session is not encrypted although encryption was asked for (encrypt=${String(spec.encrypt)}); cw-maint closed it before any statement, but after the login, so the password may have crossed the network in clear: change it. ` +
      'Turn on encryption on the SQL Server (Force Encryption, with a certificate), or, on a network you trust, say encrypt=false in CW_DB_URL.',
  );
}
