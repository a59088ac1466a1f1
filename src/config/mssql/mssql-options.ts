import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
export { timeoutParam } from '../connection/url-parts.js';

/**
 * The CW_DB_URL options beyond where to connect: Windows (NTLM) login, the server certificate to
 * trust, and the connection timeout. Shared by the URL and the ADO form; every bad value is one
 * clear line naming the option.
 */
export interface MssqlSecurityOptions {
  /** Windows domain of an NTLM login (DOMAIN\user); undefined: a SQL Server login. */
  domain: string | undefined;
  /** PEM text of the certificate (or CA) to trust instead of the system's CAs: a self-signed server certificate. */
  serverCertificate: string | undefined;
  /** Where serverCertificate came from, for messages. */
  serverCertificatePath: string | undefined;
  /** How long to wait for the server to accept the login (ms). */
  connectTimeoutMs: number | undefined;
}

/** "CORP\jdoe" -> domain CORP, user jdoe; a `domain` option says the same for a plain user name. */
export function splitWindowsUser(user: string, domainOption: string | undefined, envName: string): { user: string; domain: string | undefined } {
  const at = user.indexOf('\\');
  if (at < 0) return { user, domain: domainOption || undefined };
  const domain = user.slice(0, at);
  const name = user.slice(at + 1);
  if (!domain || !name) throw new UsageError(`${envName} has a Windows login "${user}" without a domain or user name; write DOMAIN\\user.`);
  if (domainOption && domainOption.toLowerCase() !== domain.toLowerCase()) {
    throw new UsageError(`${envName} names two domains (${domain} in the user name, ${domainOption} in domain=); give one.`);
  }
  return { user: name, domain };
}

/** Reads the certificate file named by the option (PEM), so a wrong path fails before any connection. */
export function certificateParam(path: string | null | undefined, name: string, envName: string): { pem: string; path: string } | undefined {
  if (!path) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${envName} has ${name}=${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${envName} has ${name}=${path}, which is not a PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return { pem, path };
}

/** Integrated (SSPI) and Kerberos logins need the Windows credential of the process: not supported. */
export function refuseIntegratedSecurity(value: string | undefined, envName: string): void {
  if (value && !['false', 'no', '0'].includes(value.toLowerCase())) {
    throw new UsageError(
      `${envName} asks for Integrated Security=${value}: integrated (SSPI) and Kerberos logins are not supported. Use a SQL login, or a Windows login with its password (User Id=DOMAIN\\user;Password=...), which cw-maint sends over NTLM.`,
    );
  }
}
