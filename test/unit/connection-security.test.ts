import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeConnection, parseConnectionSpec, type MssqlConnectionSpec } from '../../src/config/connection-spec.js';
import { connectionWarnings, readableByOthers } from '../../src/config/connection-warnings.js';
import { openDatabase } from '../../src/db/connect.js';
import { ConnectionLostError } from '../../src/db/mssql/lost-connection.js';
import { sessionEncrypted, tediousConfig } from '../../src/db/mssql/tedious-config.js';
import { ConnectionError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { runCliInProcess } from '../support/cli.js';
import { ENCRYPTION, startFakeTdsServer, TDS, type RecordingTdsEndpoint } from '../support/fake-tds-server.js';

const mssql = (raw: string) => parseConnectionSpec(raw) as MssqlConnectionSpec;
const dir = mkdtempSync(join(tmpdir(), 'cwm-sec-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('Windows (NTLM) logins', () => {
  it('DOMAIN\\user in the URL (percent-encoded backslash) or with domain=, and in the ADO form, becomes an NTLM login', () => {
    for (const raw of [
      'mssql://CORP%5Cjdoe:s3cret@sql01/cw',
      'mssql://jdoe:s3cret@sql01/cw?domain=CORP',
      'Server=sql01;Database=cw;User Id=CORP\\jdoe;Password=s3cret',
    ]) {
      const spec = mssql(raw);
      expect(spec, raw).toMatchObject({ user: 'jdoe', domain: 'CORP', password: 's3cret' });
      expect(tediousConfig(spec, undefined).authentication).toEqual({ type: 'ntlm', options: { userName: 'jdoe', password: 's3cret', domain: 'CORP' } });
      expect(describeConnection(spec)).toBe('mssql://CORP\\jdoe@sql01:1433/cw');
    }
  });

  it('a SQL login stays a SQL login', () => {
    expect(tediousConfig(mssql('mssql://cw_maint:pw@h/db'), undefined).authentication).toEqual({ type: 'default', options: { userName: 'cw_maint', password: 'pw' } });
  });

  it('integrated (SSPI) and Kerberos logins are refused with a clear line; so are half-written Windows logins', () => {
    expect(() => parseConnectionSpec('Server=h;Database=db;Integrated Security=SSPI')).toThrow(/integrated \(SSPI\) and Kerberos logins are not supported/);
    expect(() => parseConnectionSpec('Server=h;Database=db;Trusted_Connection=yes')).toThrow(/not supported/);
    expect(() => parseConnectionSpec('mssql://%5Cjdoe:p@h/db')).toThrow(/without a domain or user name/);
    expect(() => parseConnectionSpec('mssql://CORP%5Cjdoe:p@h/db?domain=OTHER')).toThrow(/two domains/);
  });
});

describe('timeouts', () => {
  it('connectTimeout (URL), Connect Timeout (ADO) and connect_timeout (PostgreSQL) are seconds, validated', () => {
    expect(mssql('mssql://u:p@h/db?connectTimeout=30').connectTimeoutMs).toBe(30_000);
    expect(mssql('Server=h;Database=db;User Id=u;Password=p;Connect Timeout=5').connectTimeoutMs).toBe(5_000);
    expect(parseConnectionSpec('postgres://u:p@h/db?connect_timeout=7')).toMatchObject({ connectTimeoutMs: 7_000 });
    expect(tediousConfig(mssql('mssql://u:p@h/db?connectTimeout=30'), { lockTimeoutMs: 1, statementTimeoutMs: 9_000 }).options).toMatchObject({ connectTimeout: 30_000, requestTimeout: 9_000 });
    expect(tediousConfig(mssql('mssql://u:p@h/db'), undefined).options?.connectTimeout).toBe(15_000);
    for (const bad of ['0', '-1', '1.5', 'ten', '3601']) {
      expect(() => parseConnectionSpec(`mssql://u:p@h/db?connectTimeout=${bad}`)).toThrow(`connectTimeout=${bad}; use a whole number of seconds from 1 to 3600`);
    }
  });
});

describe('encryption', () => {
  it('serverCertificate trusts exactly that certificate (given to TLS as its CA); a missing or non-PEM file is a usage error', () => {
    const cert = join(dir, 'server.pem');
    writeFileSync(cert, PEM);
    const spec = mssql(`mssql://u:p@h/db?serverCertificate=${encodeURIComponent(cert)}`);
    expect(tediousConfig(spec, undefined).options).toMatchObject({ encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca: PEM } });
    expect(mssql(`Server=h;Database=db;User Id=u;Password=p;Server Certificate=${cert}`).serverCertificate).toBe(PEM);
    expect(() => parseConnectionSpec(`mssql://u:p@h/db?serverCertificate=${dir}/nope.pem`)).toThrow(/cannot be read \(ENOENT\)/);
    writeFileSync(join(dir, 'key.txt'), 'not a certificate');
    expect(() => parseConnectionSpec(`mssql://u:p@h/db?serverCertificate=${dir}/key.txt`)).toThrow(/not a PEM certificate/);
  });

  it('encrypt=false and trustServerCertificate=true are warned about; the default is not', () => {
    expect(connectionWarnings(mssql('mssql://u:p@h/db'))).toEqual([]);
    expect(connectionWarnings(mssql('mssql://u:p@h/db?encrypt=false')).join()).toContain('not encrypted');
    expect(connectionWarnings(mssql('mssql://u:p@h/db?trustServerCertificate=true')).join()).toContain('serverCertificate=');
  });

  it('a session counts as encrypted only when TLS was negotiated (TDS 7: message IO; TDS 8: a TLS socket)', () => {
    expect(sessionEncrypted({ messageIo: { tlsNegotiationComplete: true } })).toBe(true);
    expect(sessionEncrypted({ socket: { encrypted: true }, messageIo: { tlsNegotiationComplete: false } })).toBe(true);
    expect(sessionEncrypted({ socket: {}, messageIo: { tlsNegotiationComplete: false } })).toBe(false);
    expect(sessionEncrypted({})).toBe(false);
  });
});

describe('secrets on disk', () => {
  it('.env or a config file readable by group or others is warned about (POSIX mode bits; never on Windows)', () => {
    const env = join(dir, '.env');
    writeFileSync(env, 'CW_DB_URL=mssql://u:p@h/db\n');
    chmodSync(env, 0o644);
    expect(readableByOthers([env, join(dir, 'absent.json'), undefined], 'linux')).toEqual([expect.stringContaining(`${env} can be read by other users`)]);
    expect(readableByOthers([env], 'win32')).toEqual([]);
    chmodSync(env, 0o600);
    expect(readableByOthers([env], 'linux')).toEqual([]);
  });
});

/**
 * A fake TDS server on loopback answers PRELOGIN with "encryption not supported" and records every
 * packet that follows: no connection form but encrypt=false may send it a LOGIN7 (the password).
 * The CLI runs in-process, as a DBA would run `migrations-check`.
 */
describe('the login waits for encryption (a fake TDS server that offers none)', () => {
  const PASSWORD = 'Secret-4711';
  const servers: RecordingTdsEndpoint[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  const fakeServer = async (options: Parameters<typeof startFakeTdsServer>[0] = {}) => {
    const server = await startFakeTdsServer({ login: 'accept', requests: 'drop', ...options });
    servers.push(server);
    return server;
  };
  const pem = join(dir, 'fake-server.pem');
  writeFileSync(pem, PEM);
  const FORMS: Array<[string, (port: number) => string]> = [
    ['the default URL (encrypt on)', (port) => `mssql://cw_maint:${PASSWORD}@127.0.0.1:${port}/cw`],
    ['encrypt=true', (port) => `mssql://cw_maint:${PASSWORD}@127.0.0.1:${port}/cw?encrypt=true`],
    ['trustServerCertificate=true', (port) => `mssql://cw_maint:${PASSWORD}@127.0.0.1:${port}/cw?trustServerCertificate=true`],
    ['serverCertificate=<pem>', (port) => `mssql://cw_maint:${PASSWORD}@127.0.0.1:${port}/cw?serverCertificate=${encodeURIComponent(pem)}`],
    ['a Windows (NTLM) login', (port) => `mssql://CORP%5Ccw_maint:${PASSWORD}@127.0.0.1:${port}/cw`],
    ['the ADO form Encrypt=True;TrustServerCertificate=True', (port) => `Server=127.0.0.1,${port};Database=cw;User Id=cw_maint;Password=${PASSWORD};Encrypt=True;TrustServerCertificate=True`],
  ];

  for (const [form, url] of FORMS) {
    for (const answer of ['NOT_SUP', 'OFF'] as const) {
      it(`${form}: a server answering ENCRYPTION=${answer} gets nothing after PRELOGIN, and the refusal says so (exit 1)`, async () => {
        const server = await fakeServer({ encryption: ENCRYPTION[answer] });
        const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: url(server.port) });
        await server.closed();
        expect(server.packets.length).toBeGreaterThan(0);
        for (const types of server.packets) expect(types).toEqual([TDS.PRELOGIN]);
        expect(r.code).toBe(1);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines.at(-1)).toBe(
          `cw-maint: Cannot connect to ${describeConnection(parseConnectionSpec(url(server.port)))}: the server at 127.0.0.1:${server.port} does not offer encryption ` +
            `(its pre-login answer: ENCRYPTION=${answer}); cw-maint refused before sending the login, so no user name or password left this machine. ` +
            'Turn on encryption on the SQL Server (Force Encryption, with a certificate); use encrypt=false in CW_DB_URL only on a network you trust.',
        );
        expect(r.stderr).not.toContain(PASSWORD);
        expect(r.stdout).toBe('');
      });
    }
  }

  it('encrypt=false: the login goes out (with the warning), as the URL asks', async () => {
    const server = await fakeServer({ requests: 'answer' });
    const spec = parseConnectionSpec(`mssql://cw_maint:${PASSWORD}@127.0.0.1:${server.port}/cw?encrypt=false`);
    expect(connectionWarnings(spec).join()).toContain('the session is not encrypted, so the password and the data cross the network in clear');
    const handle = await openDatabase(spec, { poolSize: 1 });
    await handle.db.destroy();
    expect(server.packets[0]!.slice(0, 3)).toEqual([TDS.PRELOGIN, TDS.LOGIN7, TDS.SQL_BATCH]);
  });

  it('a server that asks for encryption (ENCRYPTION=ON) gets TLS first: the login does not go out in clear', async () => {
    // The fake speaks no TLS, so the handshake fails; what matters is that LOGIN7 never follows in clear.
    const server = await fakeServer({ encryption: ENCRYPTION.ON });
    const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: `mssql://cw_maint:${PASSWORD}@localhost:${server.port}/cw?connectTimeout=5` });
    expect(r.code).toBe(1);
    expect(server.packets.flat()).not.toContain(TDS.LOGIN7);
  });
});

/**
 * Kysely 0.28's MssqlDriver console.error()s every tedious connection error (multi-line stack
 * traces on stderr). A connection lost after the login is one JSON log line and one error line.
 */
describe('a connection lost after the login', () => {
  let server: RecordingTdsEndpoint;
  afterEach(async () => {
    await server?.close();
    vi.restoreAllMocks();
  });

  it('fails the statement with ConnectionLostError (exit 1); the driver reports it to the logger, never to console.error', async () => {
    server = await startFakeTdsServer({ login: 'accept', requests: 'drop' });
    const consoleError = vi.spyOn(console, 'error');
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) } });
    const handle = await openDatabase(parseConnectionSpec(`mssql://cw_maint:pw@127.0.0.1:${server.port}/cw?encrypt=false`), { poolSize: 1, log });
    try {
      const error = await sql`SELECT 2`.execute(handle.db).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).exitCode).toBe(1);
      expect((error as Error).message).toBe(`the connection to the server at 127.0.0.1:${server.port} was lost (socket hang up); the server rolls back whatever was not committed`);
    } finally {
      await handle.db.destroy();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(consoleError).not.toHaveBeenCalled();
    const logged = lines.map((line) => JSON.parse(line) as { level: number; event: string; msg: string });
    expect(logged[0]).toMatchObject({ level: 40, event: 'db.connection_error', msg: 'the connection to the server was lost' });
    expect(logged.slice(1).every((l) => l.level === 20)).toBe(true);
  });

  it.each([['show', '1'], ['history'], ['migrations-check']])('`%s`: stderr is JSON lines and one last line saying the connection was lost, exit 1', async (...args) => {
    server = await startFakeTdsServer({ login: 'accept', requests: 'drop' });
    const consoleError = vi.spyOn(console, 'error');
    const r = await runCliInProcess(args, { CW_DB_URL: `mssql://cw_maint:pw@127.0.0.1:${server.port}/cw?encrypt=false` });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^cw-maint: the connection to the server at 127\\.0\\.0\\.1:${server.port} was lost \\(socket hang up\\)`));
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line), line).not.toThrow();
    expect(r.stderr).not.toContain('unexpected error');
    await new Promise((r) => setTimeout(r, 20));
    expect(consoleError).not.toHaveBeenCalled();
  });
});
