import { parse as parseAdoString } from '@tediousjs/connection-string';
import { UsageError } from '../errors.js';
import { certificateParam, refuseIntegratedSecurity, splitWindowsUser, timeoutParam, type MssqlSecurityOptions } from './connection-options.js';
import { ADO_KEYS, checkAdoKeys, checkUrlParams, decodeUrlPart } from './connection-params.js';

/**
 * Where to connect, parsed from CW_DB_URL. The password never leaves this object except
 * into the driver: logs and messages use `describeConnection`.
 */
export type ConnectionSpec = MssqlConnectionSpec | PostgresConnectionSpec | EmbeddedConnectionSpec;

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

export interface PostgresConnectionSpec {
  engine: 'postgres';
  connectionString: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** connect_timeout (seconds, as libpq names it), in ms. */
  connectTimeoutMs: number | undefined;
}

/**
 * The embedded demo database (PGlite: PostgreSQL compiled to WebAssembly, in-process), for
 * trying cw-maint where no server is configured. It is PostgreSQL, so the postgres adapter
 * serves it. `pglite:memory` keeps nothing; `pglite:./dir` persists in a folder.
 */
export interface EmbeddedConnectionSpec {
  engine: 'postgres';
  embedded: true;
  dataDir: string | undefined;
  database: string;
}

const ENV_NAME = 'CW_DB_URL';

export function parseConnectionSpec(raw: string | undefined, envName = ENV_NAME): ConnectionSpec {
  const value = raw?.trim();
  if (!value) {
    throw new UsageError(
      `${envName} is not set. Set it in the environment or in .env, e.g. ` +
        `${envName}=mssql://cw_maint:PASSWORD@sqlhost:1433/cwwebapp_site?encrypt=true`,
    );
  }
  if (/^(mssql|sqlserver):\/\//i.test(value)) return parseMssqlUrl(value, envName);
  if (/^postgres(ql)?:\/\//i.test(value)) return parsePostgresUrl(value, envName);
  if (/^[a-z ]+=/i.test(value) && value.includes(';')) return parseAdo(value, envName);
  if (/^pglite:/i.test(value)) {
    const where = value.slice('pglite:'.length).trim();
    if (!where) throw new UsageError(`${envName}=pglite: needs a folder (pglite:./demo-db) or pglite:memory.`);
    return { engine: 'postgres', embedded: true, dataDir: where === 'memory' ? undefined : where, database: where };
  }
  throw new UsageError(
    `${envName} is not a connection string cw-maint understands (${redactedShape(value)}). ` +
      'Use mssql://user:password@host:1433/Database, an ADO string (Server=...;Database=...;User Id=...;Password=...), ' +
      'postgres://user:password@host:5432/db, or pglite:./folder for the embedded demo database.',
  );
}

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

function parsePostgresUrl(value: string, envName: string): PostgresConnectionSpec {
  const url = tryUrl(value, envName);
  const database = decodeUrlPart(url.pathname.replace(/^\//, ''), 'database name', envName);
  // node-postgres decodes the password itself, and a raw % there would fail it with "URI malformed".
  decodeUrlPart(url.password, 'password', envName);
  if (!url.hostname || !database) {
    throw new UsageError(`${envName} is incomplete: use postgres://user:password@host:5432/db.`);
  }
  return {
    engine: 'postgres',
    connectionString: value,
    host: url.hostname,
    port: url.port ? parsePort(url.port, envName) : 5432,
    database,
    user: decodeUrlPart(url.username, 'user name', envName),
    connectTimeoutMs: timeoutParam(url.searchParams.get('connect_timeout'), 'connect_timeout', envName),
  };
}

/** Safe to log: engine, user, host, port, database. Never the password. */
export function describeConnection(spec: ConnectionSpec): string {
  if ('embedded' in spec) return `pglite:${spec.dataDir ?? 'memory'} (embedded demo database)`;
  if (spec.engine === 'postgres') {
    return `postgres://${spec.user ? `${spec.user}@` : ''}${spec.host}:${spec.port}/${spec.database}`;
  }
  const host = spec.instanceName ? `${spec.server}\\${spec.instanceName}` : spec.server;
  return `mssql://${spec.domain ? `${spec.domain}\\` : ''}${spec.user}@${host}${spec.port ? `:${spec.port}` : ''}/${spec.database}`;
}

function tryUrl(value: string, envName: string): URL {
  try {
    return new URL(value);
  } catch {
    // A port out of range also makes the URL invalid: say so, not "percent-encode the password".
    const authority = value.split('://')[1]?.split(/[/?#]/)[0] ?? '';
    const port = /:(\d*)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
    if (port !== undefined) parsePort(port, envName);
    throw new UsageError(
      `${envName} is not a valid URL (${redactedShape(value)}). Percent-encode special characters in the password (e.g. @ as %40).`,
    );
  }
}

function parsePort(text: string, envName: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${envName} has an invalid port "${text}" (1 to 65535; SQL Server's default is 1433).`);
  }
  return port;
}

/** encrypt: on by default; "strict" stays strict (mapping it to true would silently downgrade TDS 8). */
function encryptParam(raw: string | null, name: string, envName: string): boolean | 'strict' {
  if (raw !== null && raw.toLowerCase() === 'strict') return 'strict';
  return boolParam(raw, true, name, envName);
}

function boolParam(raw: string | null, fallback: boolean, name: string, envName: string): boolean {
  if (raw === null || raw === '') return fallback;
  const v = raw.toLowerCase();
  if (['true', 'yes', '1', 'mandatory'].includes(v)) return true;
  if (['false', 'no', '0', 'optional'].includes(v)) return false;
  throw new UsageError(`${envName} has ${name}=${raw}; use true or false.`);
}

/** "mssql://***" shape of a bad value, so an error message never echoes a password. */
function redactedShape(value: string): string {
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1];
  return scheme ? `${scheme}://…` : 'value hidden';
}
