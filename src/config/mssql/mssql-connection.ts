import { parse as parseAdoString } from '@tediousjs/connection-string';
import { UsageError } from '../../errors.js';
import type { ConnectionForm } from '../connection/connection-form.js';
import { boolParam, decodeUrlPart, parsePort, tryUrl } from '../connection/url-parts.js';
import { certificateParam, refuseIntegratedSecurity, splitWindowsUser, timeoutParam, type MssqlSecurityOptions } from './mssql-options.js';
import { ADO_KEYS, checkAdoKeys, checkUrlParams } from './mssql-params.js';

/*
 * SQL Server's connection strings: mssql:// (or sqlserver://) URLs and the ADO form
 * (Server=...;Database=...). The password never leaves the spec except into the driver.
 */

export interface MssqlConnectionSpec extends MssqlSecurityOptions {
  engine: 'mssql';
  server: string;
  port: number | undefined;
  instanceName: string | undefined;
  database: string;
  user: string;
  password: string;
  /** 'strict': TDS 8 (SQL Server 2022), TLS before anything else; passed to tedious as such. */
  encrypt: boolean | 'strict';
  trustServerCertificate: boolean;
}

/** mssql://, sqlserver:// and the ADO form, and what may be said of them. */
export const mssqlConnection: ConnectionForm<MssqlConnectionSpec> = {
  parse(value, envName) {
    if (/^(mssql|sqlserver):\/\//i.test(value)) return parseMssqlUrl(value, envName);
    if (/^[a-z ]+=/i.test(value) && value.includes(';')) return parseAdo(value, envName);
    return undefined;
  },
  describe: (spec) => `mssql://${spec.domain ? `${spec.domain}\\` : ''}${spec.user}@${hostOf(spec)}${spec.port ? `:${spec.port}` : ''}/${spec.database}`,
  server: (spec) => ({ server: `mssql://${hostOf(spec)}${spec.port ? `:${spec.port}` : ''}`, database: spec.database }),
  password: (spec) => spec.password,
  warnings(spec) {
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
  },
  notices(spec) {
    if (!spec.instanceName || !spec.port) return [];
    return [
      `CW_DB_URL gives both the port ${spec.port} and the instance name ${spec.instanceName}: cw-maint connects to port ${spec.port}, as SQL Server's own clients do, ` +
        'and does not ask SQL Browser where the instance listens. Give only one of them to make that plain.',
    ];
  },
};

const hostOf = (spec: MssqlConnectionSpec) => (spec.instanceName ? `${spec.server}\\${spec.instanceName}` : spec.server);

function parseMssqlUrl(value: string, envName: string): MssqlConnectionSpec {
  const url = tryUrl(value, envName);
  const database = decodeUrlPart(url.pathname.replace(/^\//, ''), 'database name', envName);
  const user = decodeUrlPart(url.username, 'user name', envName);
  const password = decodeUrlPart(url.password, 'password', envName);
  const problems: string[] = [];
  if (!url.hostname) problems.push('no host');
  if (!database) problems.push('no database name after the host (…:1433/Database)');
  if (!user) problems.push('no user name (mssql://user:password@host…)');
  if (problems.length) throw new UsageError(`${envName} is incomplete: ${problems.join('; ')}.`);
  checkUrlParams(url.searchParams, envName);
  // A named instance: ?instanceName=CW (a backslash is not allowed in a URL host; %5C is accepted).
  const [server, hostInstance] = decodeUrlPart(url.hostname, 'host', envName).split('\\') as [string, string | undefined];
  const instanceName = url.searchParams.get('instanceName') || hostInstance || undefined;
  const windows = splitWindowsUser(user, url.searchParams.get('domain') ?? undefined, envName);
  const certificate = certificateParam(url.searchParams.get('serverCertificate'), 'serverCertificate', envName);
  return {
    engine: 'mssql',
    server,
    instanceName,
    port: url.port ? parsePort(url.port, envName) : instanceName ? undefined : 1433,
    database,
    user: windows.user,
    domain: windows.domain,
    serverCertificate: certificate?.pem,
    serverCertificatePath: certificate?.path,
    connectTimeoutMs: timeoutParam(url.searchParams.get('connectTimeout'), 'connectTimeout', envName),
    password,
    encrypt: encryptParam(url.searchParams.get('encrypt'), 'encrypt', envName),
    trustServerCertificate: boolParam(
      url.searchParams.get('trustServerCertificate'),
      false,
      'trustServerCertificate',
      envName,
    ),
  };
}

function parseAdo(value: string, envName: string): MssqlConnectionSpec {
  let map: ReadonlyMap<string, string>;
  try {
    map = parseAdoString(value) as ReadonlyMap<string, string>;
  } catch {
    throw new UsageError(`${envName} looks like an ADO connection string but could not be parsed.`);
  }
  checkAdoKeys(value, envName);
  const pick = (keys: readonly string[]) => keys.map((k) => map.get(k)).find((v) => v !== undefined && v !== '');
  const rawServer = pick(ADO_KEYS.server);
  const database = pick(ADO_KEYS.database);
  const user = pick(ADO_KEYS.user);
  refuseIntegratedSecurity(pick(ADO_KEYS.integratedSecurity), envName);
  const problems: string[] = [];
  if (!rawServer) problems.push('no Server=');
  if (!database) problems.push('no Database=');
  if (!user) problems.push('no User Id= (a SQL login, or DOMAIN\\user for a Windows login)');
  if (problems.length) throw new UsageError(`${envName} is incomplete: ${problems.join('; ')}.`);
  // "tcp:host,1433" or "host\INSTANCE"
  const serverPart = rawServer!.replace(/^tcp:/i, '');
  const [hostAndInstance, portText] = serverPart.split(',') as [string, string | undefined];
  const [server, instanceName] = hostAndInstance.split('\\') as [string, string | undefined];
  const windows = splitWindowsUser(user!, undefined, envName);
  const certificate = certificateParam(pick(ADO_KEYS.serverCertificate), 'Server Certificate', envName);
  return {
    engine: 'mssql',
    server: server.trim(),
    instanceName: instanceName?.trim() || undefined,
    port: portText ? parsePort(portText.trim(), envName) : instanceName ? undefined : 1433,
    database: database!,
    user: windows.user,
    domain: windows.domain,
    serverCertificate: certificate?.pem,
    serverCertificatePath: certificate?.path,
    connectTimeoutMs: timeoutParam(pick(ADO_KEYS.connectTimeout), 'Connect Timeout', envName),
    password: pick(ADO_KEYS.password) ?? '',
    encrypt: encryptParam(pick(ADO_KEYS.encrypt) ?? null, 'Encrypt', envName),
    trustServerCertificate: boolParam(
      pick(ADO_KEYS.trustServerCertificate) ?? null,
      false,
      'TrustServerCertificate',
      envName,
    ),
  };
}

/** encrypt: on by default; "strict" stays strict (mapping it to true would silently downgrade TDS 8). */
function encryptParam(raw: string | null, name: string, envName: string): boolean | 'strict' {
  if (raw !== null && raw.toLowerCase() === 'strict') return 'strict';
  return boolParam(raw, true, name, envName);
}
