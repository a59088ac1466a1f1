import { describe, expect, it } from 'vitest';
import { describeConnection, parseConnectionSpec } from '../../src/config/connection-spec.js';
import { UsageError } from '../../src/errors.js';

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
