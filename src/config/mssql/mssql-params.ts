import { nearestName, refuse } from '../connection/url-parts.js';

/**
 * The rules a SQL Server connection string must follow beyond its shape, so that what it says is
 * what cw-maint does: every parameter known and given once, every %-escape whole. A string that
 * breaks one is refused (exit 2) with every problem at once; nothing is connected to.
 */

/** The query parameters of an mssql:// URL, spelled exactly so (URL parameters are case-sensitive). */
export const MSSQL_URL_PARAMS = ['encrypt', 'trustServerCertificate', 'serverCertificate', 'connectTimeout', 'instanceName', 'domain'] as const;

/**
 * The ADO keys cw-maint reads, with their synonyms (as SqlClient spells them; compared ignoring
 * case). Two keys of one setting (Server and Data Source) are one setting given twice.
 */
export const ADO_KEYS = {
  server: ['server', 'data source', 'address', 'addr', 'network address'],
  database: ['database', 'initial catalog'],
  user: ['user id', 'uid', 'user'],
  password: ['password', 'pwd'],
  integratedSecurity: ['integrated security', 'trusted_connection'],
  serverCertificate: ['server certificate', 'servercertificate'],
  connectTimeout: ['connect timeout', 'connection timeout', 'timeout'],
  encrypt: ['encrypt'],
  trustServerCertificate: ['trustservercertificate', 'trust server certificate'],
} as const;

/** Unknown and repeated URL parameters, all named at once; an unknown one with the nearest known name. */
export function checkUrlParams(params: URLSearchParams, envName: string): void {
  const counts = new Map<string, number>();
  for (const key of params.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  const problems: string[] = [];
  for (const [key, count] of counts) {
    if (!(MSSQL_URL_PARAMS as readonly string[]).includes(key)) problems.push(unknownParam(key));
    else if (count > 1) problems.push(`${key} is given ${count} times; give it once (which one counts is not obvious, so none does)`);
  }
  refuse(envName, 'parameters', problems);
}

/** Keys of an ADO string given more than once, ignoring case (synonyms of one setting count as one key). */
export function checkAdoKeys(value: string, envName: string): void {
  const written = new Map<string, string[]>();
  for (const key of adoKeys(value)) {
    const lower = key.toLowerCase();
    const setting = Object.values(ADO_KEYS).find((synonyms) => (synonyms as readonly string[]).includes(lower))?.[0] ?? lower;
    written.set(setting, [...(written.get(setting) ?? []), key]);
  }
  const problems = [...written.values()]
    .filter((keys) => keys.length > 1)
    .map((keys) => `${keys.join(' and ')} name the same setting; give it once (which one counts is not obvious, so none does)`);
  refuse(envName, 'keys', problems);
}

function unknownParam(key: string): string {
  // A name is echoed; anything else could be a piece of a password that slipped past the '@'.
  if (!/^[A-Za-z][\w .-]{0,40}$/.test(key)) return `a parameter whose name is not a name (not shown); the parameters are ${MSSQL_URL_PARAMS.join(', ')}`;
  const nearest = nearestName(key, MSSQL_URL_PARAMS);
  return nearest
    ? `unknown parameter "${key}": did you mean "${nearest}"? (URL parameters are case-sensitive)`
    : `unknown parameter "${key}"; the parameters are ${MSSQL_URL_PARAMS.join(', ')}`;
}

/**
 * The keys of an ADO string in the order written, by the grammar @tediousjs/connection-string
 * parses (which keeps only the last value of a repeated key, so repeats cannot be seen in its
 * result): `key=value` pairs split by `;`, `==` and `;;` escape those characters, a value may be
 * quoted with "", '' or {} (a doubled closing quote escapes it), unquoted text is trimmed.
 */
export function adoKeys(value: string): string[] {
  const keys: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < value.length && !value[i]!.trim()) i++;
  };
  while (i < value.length) {
    skipSpace();
    let key = '';
    while (i < value.length && !(value[i] === '=' && value[i + 1] !== '=')) {
      key += value[i] === '=' ? '=' : value[i];
      i += value[i] === '=' ? 2 : 1;
    }
    if (i >= value.length) break; // a key without '=' holds no value
    i++; // the '='
    skipSpace();
    const close = { '"': '"', "'": "'", '{': '}' }[value[i] as string];
    if (close) {
      for (i++; i < value.length; i++) {
        if (value[i] === close && value[i + 1] === close) i++;
        else if (value[i] === close) break;
      }
      while (i < value.length && value[i] !== ';') i++;
    } else {
      while (i < value.length && !(value[i] === ';' && value[i + 1] !== ';')) i += value[i] === ';' ? 2 : 1;
    }
    i++; // the ';'
    if (key.trim()) keys.push(key.trim());
  }
  return keys;
}
