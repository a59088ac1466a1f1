import { parse as parseAdoString } from '@tediousjs/connection-string';
import { describe, expect, it } from 'vitest';
import { adoKeys } from '../../src/config/mssql/mssql-params.js';
import { describeConnection, parseConnectionSpec, type MssqlConnectionSpec } from '../../src/config/connection-spec.js';
import { connectionNotices } from '../../src/config/connection-warnings.js';
import { tediousConfig } from '../../src/db/mssql/tedious-config.js';
import { UsageError } from '../../src/errors.js';
import { runCliInProcess } from '../support/cli.js';
import { startFakeTdsServer, TDS } from '../support/fake-tds-server.js';

describe('parseConnectionSpec', () => {
  it('reads an mssql:// URL with encoded password and TLS options', () => {
    const spec = parseConnectionSpec('mssql://cw_maint:p%40ss%3Bw0rd@sql01:14330/cwwebapp_site?encrypt=true&trustServerCertificate=true');
    expect(spec).toEqual({
      engine: 'mssql',
      server: 'sql01',
      instanceName: undefined,
      port: 14330,
      database: 'cwwebapp_site',
      user: 'cw_maint',
      password: 'p@ss;w0rd',
      encrypt: true,
      trustServerCertificate: true,
    });
  });

  it('encrypt=strict stays strict (TDS 8), in URLs and ADO strings: never a silent downgrade to true', () => {
    expect(parseConnectionSpec('mssql://u:p@h/db?encrypt=strict')).toMatchObject({ encrypt: 'strict' });
    expect(parseConnectionSpec('Server=h;Database=db;User Id=u;Password=p;Encrypt=Strict')).toMatchObject({ encrypt: 'strict' });
    expect(parseConnectionSpec('mssql://u:p@h/db?encrypt=mandatory')).toMatchObject({ encrypt: true });
  });

  it('defaults to port 1433, encrypt on, certificate checked', () => {
    expect(parseConnectionSpec('mssql://u:p@h/db')).toMatchObject({ port: 1433, encrypt: true, trustServerCertificate: false });
  });

  it('reads a named instance from an mssql:// URL (?instanceName= or %5C in the host)', () => {
    for (const url of ['mssql://u:p@sqlhost/cw?instanceName=CW', 'mssql://u:p@sqlhost%5CCW/cw']) {
      expect(parseConnectionSpec(url)).toMatchObject({ server: 'sqlhost', instanceName: 'CW', port: undefined, database: 'cw' });
    }
  });

  it('reads an ADO connection string with a named instance', () => {
    const spec = parseConnectionSpec('Server=SQL01\\CW;Database=cwwebapp_site;User Id=cw_maint;Password=secret;Encrypt=False');
    expect(spec).toMatchObject({ engine: 'mssql', server: 'SQL01', instanceName: 'CW', port: undefined, database: 'cwwebapp_site', user: 'cw_maint', encrypt: false });
  });

  it('reads an ADO string with tcp: and a port, and Initial Catalog', () => {
    const spec = parseConnectionSpec('Data Source=tcp:sql02,1450;Initial Catalog=cw;UID=me;PWD="a;b";TrustServerCertificate=True');
    expect(spec).toMatchObject({ server: 'sql02', port: 1450, database: 'cw', user: 'me', password: 'a;b', trustServerCertificate: true });
  });

  it('reads a postgres:// URL', () => {
    expect(parseConnectionSpec('postgres://u:p@localhost:5433/demo')).toMatchObject({ engine: 'postgres', host: 'localhost', port: 5433, database: 'demo' });
  });

  it.each([
    [undefined, 'CW_DB_URL is not set'],
    ['', 'CW_DB_URL is not set'],
    ['mysql://u:topsecret@h/db', "not a connection string cw-maint understands (mysql://…)"],
    ['mssql://u:topsecret@h', 'no database name'],
    ['mssql://:topsecret@h/db', 'no user name'],
    ['mssql://u:topsecret@h:0/db', 'invalid port'],
    ['mssql://u:topsecret@h/db?encrypt=maybe', 'encrypt=maybe'],
    ['Server=h;User Id=u;Password=topsecret', 'no Database='],
  ])('rejects %j with a clear message that never shows the password', (value, message) => {
    let error: unknown;
    try {
      parseConnectionSpec(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('topsecret');
  });

  it('describes a connection without its password', () => {
    expect(describeConnection(parseConnectionSpec('mssql://cw:hunter2@sql01:1433/cw'))).toBe('mssql://cw@sql01:1433/cw');
    expect(describeConnection(parseConnectionSpec('postgres://cw:hunter2@db:5432/cw'))).toBe('postgres://cw@db:5432/cw');
  });
});

describe('connection-string rules: every parameter known and given once, every %-escape whole', () => {
  const usageError = (raw: string): UsageError => {
    try {
      parseConnectionSpec(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return error as UsageError;
    }
    throw new Error(`${raw} was accepted`);
  };
  const text = (error: UsageError) => [error.message, ...error.details].join('\n');

  it('a raw % in a URL password (or user, or database) is a usage error with the percent-encoding hint, never the password', () => {
    for (const raw of ['mssql://u:50%off@h/db', 'mssql://u:100%@h/db', 'mssql://u%zz:pw@h/db', 'mssql://u:pw@h/d%b', 'postgres://u:50%off@h/db']) {
      const error = usageError(raw);
      expect(error.message, raw).toMatch(/has a "%" in the (password|user name|database name) that does not start a %XX escape\. Percent-encode .*% as %25/);
      expect(error.message).not.toMatch(/50|off|URI malformed/);
    }
    expect(parseConnectionSpec('mssql://u:50%25off@h/db')).toMatchObject({ password: '50%off' });
  });

  it('a raw % or a repeated parameter exits 2 from the CLI, before any connection', async () => {
    for (const url of ['mssql://u:50%off@127.0.0.1:1/db', 'mssql://u:pw@127.0.0.1:1/db?encrypt=false&encrypt=true']) {
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: url });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toContain('unexpected error');
    }
  });

  it('a URL parameter given twice is refused (the first value used to win, silently)', () => {
    expect(usageError('mssql://u:p@h/db?encrypt=false&encrypt=true').message).toBe(
      'CW_DB_URL has a problem in its parameters: encrypt is given 2 times; give it once (which one counts is not obvious, so none does).',
    );
  });

  it.each([
    ['Encrypt=false', 'encrypt'],
    ['TrustServerCertificate=true', 'trustServerCertificate'],
    ['encrpyt=true', 'encrypt'],
    ['connect_timeout=5', 'connectTimeout'],
    ['timeout=5', 'connectTimeout'],
    ['serverCertficate=a.pem', 'serverCertificate'],
    ['instance=CW', 'instanceName'],
  ])('an unknown URL parameter (%s) is refused, naming the nearest known one (%s)', (param, nearest) => {
    const key = param.split('=')[0];
    expect(usageError(`mssql://u:p@h/db?${param}`).message).toBe(
      `CW_DB_URL has a problem in its parameters: unknown parameter "${key}": did you mean "${nearest}"? (URL parameters are case-sensitive).`,
    );
  });

  it('an unknown URL parameter like nothing known is refused with the list; several problems come at once; a name that is not a name is not echoed', () => {
    expect(usageError('mssql://u:p@h/db?foo=bar').message).toBe(
      'CW_DB_URL has a problem in its parameters: unknown parameter "foo"; the parameters are encrypt, trustServerCertificate, serverCertificate, connectTimeout, instanceName, domain.',
    );
    const several = usageError('mssql://u:p@h/db?Encrypt=false&foo=1&trustServerCertificate=true&trustServerCertificate=false');
    expect(several.message).toBe('CW_DB_URL has 3 problems in its parameters:');
    expect(several.details).toEqual([
      expect.stringContaining('"Encrypt": did you mean "encrypt"?'),
      expect.stringContaining('unknown parameter "foo"'),
      expect.stringContaining('trustServerCertificate is given 2 times'),
    ]);
    expect(text(usageError('mssql://u:p@h/db?s3cr%26t%21'))).not.toMatch(/s3cr/);
  });

  it('an ADO key given twice is refused, ignoring case; so are two synonyms of one setting', () => {
    const base = 'Server=h;Database=db;User Id=u;Password=p';
    expect(usageError(`${base};Encrypt=False;encrypt=True`).message).toBe(
      'CW_DB_URL has a problem in its keys: Encrypt and encrypt name the same setting; give it once (which one counts is not obvious, so none does).',
    );
    expect(usageError(`${base};Data Source=other`).message).toContain('Server and Data Source name the same setting');
    expect(usageError(`${base};PWD=q`).message).toContain('Password and PWD name the same setting');
    expect(usageError(`${base};Application Name=a;APPLICATION NAME=b`).message).toContain('Application Name and APPLICATION NAME name the same setting');
    // Quoted values may hold ';' and '=': they are not keys.
    expect(parseConnectionSpec(`${base.replace('Password=p', 'Password="x;Encrypt=False"')};Encrypt=True`)).toMatchObject({ password: 'x;Encrypt=False', encrypt: true });
    expect(parseConnectionSpec(`${base.replace('Password=p', "Password={a;b};Pwd2='c''d'")}`)).toMatchObject({ password: 'a;b' });
  });

  it('reads ADO keys by the same grammar as @tediousjs/connection-string (which keeps only the last of a repeated key)', () => {
    for (const raw of [
      'Server=h;Database=db',
      ' Server = h ; Database = "d;b" ; ',
      "a==b=1;c='x'';y';d={p;q}}r};e=f;;g",
      'Server=h;;;Database=db',
      'x="quoted" ;y=2',
    ]) {
      expect(new Set(adoKeys(raw).map((k) => k.toLowerCase())), raw).toEqual(new Set(parseAdoString(raw).keys()));
    }
  });

  it('a port given with an instance name is used, as SQL Server clients do, and a notice says so (SQL Browser is not asked)', () => {
    for (const raw of ['mssql://u:p@sqlhost:1450/cw?instanceName=CW', 'mssql://u:p@sqlhost%5CCW:1450/cw', 'Server=sqlhost\\CW,1450;Database=cw;User Id=u;Password=p']) {
      const spec = parseConnectionSpec(raw) as MssqlConnectionSpec;
      expect(spec, raw).toMatchObject({ server: 'sqlhost', instanceName: 'CW', port: 1450 });
      const options = tediousConfig(spec, undefined).options!;
      expect(options.port).toBe(1450);
      expect(options.instanceName).toBeUndefined();
      expect(connectionNotices(spec)).toEqual([expect.stringContaining('cw-maint connects to port 1450, as SQL Server\'s own clients do, and does not ask SQL Browser')]);
    }
    const viaBrowser = parseConnectionSpec('mssql://u:p@sqlhost/cw?instanceName=CW') as MssqlConnectionSpec;
    expect(tediousConfig(viaBrowser, undefined).options).toMatchObject({ instanceName: 'CW' });
    expect(tediousConfig(viaBrowser, undefined).options?.port).toBeUndefined();
    expect(connectionNotices(viaBrowser)).toEqual([]);
    expect(connectionNotices(parseConnectionSpec('mssql://u:p@sqlhost/cw'))).toEqual([]);
  });

  it('with a port and an instance name, the connection goes straight to the port (the notice is logged; no wait for SQL Browser)', async () => {
    const server = await startFakeTdsServer();
    try {
      const started = Date.now();
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: `mssql://u:p@127.0.0.1:${server.port}/cw?instanceName=CW` });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(server.packets[0]).toEqual([TDS.PRELOGIN]);
      expect(r.stderr).toContain('"event":"connection.notice"');
      expect(r.stderr).toContain(`cw-maint connects to port ${server.port}`);
    } finally {
      await server.close();
    }
  });
});
