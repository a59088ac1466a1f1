import { statSync } from 'node:fs';
import type { ConnectionSpec } from './connection-spec.js';

/** What is weaker than the default in how cw-maint connects: logged as warnings, never silent. */
export function connectionWarnings(spec: ConnectionSpec): string[] {
  if (spec.engine !== 'mssql') return [];
  const warnings: string[] = [];
  if (spec.encrypt === false) {
    warnings.push('CW_DB_URL says encrypt=false: the session is not encrypted, so the password and the data cross the network in clear.');
  }
  if (spec.trustServerCertificate) {
    warnings.push(
      "CW_DB_URL says trustServerCertificate=true: any certificate is accepted, so a machine in the middle can read the session. Trust exactly the server's certificate instead: serverCertificate=/path/to/cert.pem.",
    );
  }
  return warnings;
}

/** Where cw-maint does something other than the connection string may seem to ask: logged, never silent. */
export function connectionNotices(spec: ConnectionSpec): string[] {
  if (spec.engine !== 'mssql' || !spec.instanceName || !spec.port) return [];
  return [
    `CW_DB_URL gives both the port ${spec.port} and the instance name ${spec.instanceName}: cw-maint connects to port ${spec.port}, as SQL Server's own clients do, ` +
      'and does not ask SQL Browser where the instance listens. Give only one of them to make that plain.',
  ];
}

/**
 * Files holding the password or the configuration that other users of this machine can read
 * (group or other read bits). POSIX only: Windows has no mode bits (ACLs decide there).
 */
export function readableByOthers(paths: ReadonlyArray<string | undefined>, platform = process.platform): string[] {
  if (platform === 'win32') return [];
  const warnings: string[] = [];
  for (const path of paths) {
    if (!path) continue;
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      continue;
    }
    if (mode & 0o044) {
      warnings.push(`${path} can be read by other users of this machine (mode ${(mode & 0o777).toString(8)}); it may hold secrets (CW_DB_URL holds the database password). Run: chmod 600 ${path}`);
    }
  }
  return warnings;
}
