import type * as TediousTypes from 'tedious';
import { sessionEncrypted } from './tedious-config.js';

/**
 * No LOGIN7 before encryption: the login packet carries the password, only XOR-obfuscated.
 *
 * tedious 19 connects in this order (Connection.initialiseConnection): send PRELOGIN, read the
 * server's PRELOGIN answer, `performTlsNegotiation(answer)`, which starts TLS only when the answer
 * says ENCRYPTION = ON or REQ, then `sendLogin7Packet()`. With `encrypt: true` and an answer of
 * NOT_SUP (or OFF) it skips TLS and sends the login in clear; only `encrypt: 'strict'` (TLS before
 * PRELOGIN) refuses first. A server, or a machine in the middle, that answers NOT_SUP gets the
 * password.
 *
 * So, unless the URL says encrypt=false, the login waits for TLS: `sendLogin7Packet` throws
 * instead of sending when TLS is not up. tedious calls it inside initialiseConnection's try
 * block, whose catch destroys the socket and fails connect() with this error: nothing after
 * PRELOGIN leaves the machine. Redirected (routed) connections and retries go through the same
 * method, so they are held to it too.
 */
export function encryptedLoginOnly<Base extends new (...args: any[]) => TediousTypes.Connection>(base: Base) {
  return class EncryptedLoginOnly extends base {
    /** The ENCRYPTION value of the server's PRELOGIN answer (NOT_SUP, OFF, ON, REQ), for the message. */
    serverEncryptionAnswer: string | undefined;

    override async performTlsNegotiation(preloginPayload: Parameters<TediousTypes.Connection['performTlsNegotiation']>[0], signal: AbortSignal): Promise<void> {
      this.serverEncryptionAnswer = preloginPayload.encryptionString;
      await super.performTlsNegotiation(preloginPayload, signal);
    }

    override sendLogin7Packet(): void {
      if (this.config.options.encrypt !== false && !sessionEncrypted(this)) {
        throw new LoginNotEncryptedError(serverAddress(this), this.serverEncryptionAnswer);
      }
      super.sendLogin7Packet();
    }
  };
}

/** The connection was refused before the login because the server did not agree to encrypt it. */
export class LoginNotEncryptedError extends Error {
  /** ENOTENCRYPTED: the adapter's describeConnectError turns it into the connection failure's reason. */
  readonly code = 'ENOTENCRYPTED';

  constructor(
    readonly server: string,
    readonly answer: string | undefined,
  ) {
    super(
      `the server at ${server} does not offer encryption (its pre-login answer: ENCRYPTION=${answer ?? 'none'}); ` +
        'cw-maint refused before sending the login, so no user name or password left this machine. ' +
        'Turn on encryption on the SQL Server (Force Encryption, with a certificate); use encrypt=false in CW_DB_URL only on a network you trust.',
    );
    this.name = 'LoginNotEncryptedError';
  }
}

/** host:port as connected to (a named instance's port is only known from the socket). */
export function serverAddress(connection: TediousTypes.Connection): string {
  const routed = (connection as { routingData?: { server: string; port: number } }).routingData;
  const port = connection.socket?.remotePort ?? routed?.port ?? connection.config.options.port;
  return `${routed?.server ?? connection.config.server}:${port ?? '?'}`;
}
