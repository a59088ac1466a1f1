import { sql } from 'kysely';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCliInProcess } from '../support/cli.js';
import { startTdsRecorder, TDS, type RecordingTdsEndpoint } from '../support/fake-tds-server.js';
import { serviceLoginFromGrants, type ServiceLogin } from '../support/service-login.js';
import { seededDatabase, type TestDatabase } from '../support/test-database.js';

for (const engine of inject('engines')) {
  describe(`secrets on ${engine.name}`, () => {
    const open: Array<TestDatabase | ServiceLogin> = [];
    afterEach(async () => {
      for (const item of open.splice(0)) await item.drop();
    });

    it('a password given in the URL is absent from every output of a failing run: logs, --json, --show-sql, errors, run parameters, history, show, report', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      const service = await serviceLoginFromGrants(tdb);
      open.push(tdb, service);
      // The database refuses every change to a contact: the apply fails there, after its plan and journal.
      if (engine.engine === 'postgres') {
        await sql.raw(`CREATE FUNCTION dbo.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$;
          CREATE TRIGGER refuse BEFORE UPDATE ON dbo."Contact" FOR EACH ROW EXECUTE FUNCTION dbo.refuse()`).execute(tdb.db);
      } else {
        await sql.raw(`CREATE TRIGGER dbo.Refuse ON dbo.Contact AFTER UPDATE AS THROW 50000, 'refused by a test trigger', 1;`).execute(tdb.db);
      }
      const env = { CW_DB_URL: service.url, LOG_LEVEL: 'debug' };
      const report = join(mkdtempSync(join(tmpdir(), 'cwm-secret-')), 'r.csv');
      const outputs: string[] = [];
      const run = async (args: string[]) => {
        const r = await runCliInProcess(args, env);
        outputs.push(r.stdout, r.stderr);
        return r;
      };
      const failed = await run(['revoke-inactive', '--types', '1,9', '--statuses', '2,7', '--yes', '--json', '--show-sql', '--verbose', '--ticket', 'CHG-1', '--report', report]);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stderr).toContain('refused by a test trigger');
      const history = await run(['history', '--json']);
      const runId = (JSON.parse(history.stdout) as Array<{ run_id: number; status: string }>).find((r) => r.status === 'failed')!.run_id;
      await run(['show', String(runId), '--json']);
      await run(['migrations-check', '--json', '--verbose']);
      // A wrong password: the login error must not echo what was tried.
      const wrong = new URL(service.url);
      wrong.password = `${service.password}x`;
      const refused = await runCliInProcess(['migrations-check', '--verbose'], { CW_DB_URL: wrong.toString() });
      expect(refused.code).toBe(1);
      outputs.push(refused.stdout, refused.stderr);
      const { rows } = await sql.raw(`SELECT * FROM cw_maint.run`).execute(tdb.db);
      outputs.push(JSON.stringify(rows));
      try {
        outputs.push(readFileSync(report, 'utf8'));
      } catch {
        // A failed apply leaves no report file; nothing to read.
      }
      const everything = outputs.join('\n');
      expect(everything.length).toBeGreaterThan(1000);
      expect(everything).not.toContain(service.password);
      expect(everything).not.toContain(`${service.password}x`);
    }, 180_000);
  });
}

/**
 * Encryption that is really on, against a TDS server that offers none (Babelfish's TDS endpoint
 * does not offer TLS, so tedious would send the login in clear with encrypt=true). A recording
 * proxy between cw-maint and the server shows what crossed.
 */
for (const engine of inject('engines').filter((e) => e.flavor === 'babelfish')) {
  describe(`encryption on ${engine.name}`, () => {
    const url = new URL(engine.adminUrl);
    url.searchParams.delete('encrypt');
    url.searchParams.delete('trustServerCertificate');
    let recorder: RecordingTdsEndpoint | undefined;
    afterEach(async () => {
      await recorder?.close();
      recorder = undefined;
    });
    const throughRecorder = async (target: URL) => {
      recorder = await startTdsRecorder({ host: target.hostname, port: Number(target.port || 1433) });
      const through = new URL(target);
      through.hostname = recorder.host;
      through.port = String(recorder.port);
      return through.toString();
    };

    it('the default URL (encrypt on) is refused, exit 1, before the login: nothing after PRELOGIN reaches the server', async () => {
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: await throughRecorder(url) });
      await recorder!.closed();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does not offer encryption (its pre-login answer: ENCRYPTION=NOT_SUP); cw-maint refused before sending the login');
      expect(r.stdout).toBe('');
      expect(recorder!.packets.length).toBeGreaterThan(0);
      for (const types of recorder!.packets) expect(types).toEqual([TDS.PRELOGIN]);
    });

    it('encrypt=false connects, with a warning (and the login does cross)', async () => {
      const plain = new URL(url);
      plain.searchParams.set('encrypt', 'false');
      const r = await runCliInProcess(['migrations-check'], { CW_DB_URL: await throughRecorder(plain) });
      expect(r.stdout).toContain('Schema check of');
      expect(r.stderr).toContain('the session is not encrypted');
      expect(recorder!.packets.flat()).toContain(TDS.LOGIN7);
    });
  });
}

/**
 * A TDS server with a self-signed certificate: MSSQL_TLS_TEST_URL (an admin login, no TLS options)
 * and MSSQL_TLS_TEST_CERT (that certificate, PEM). Not in CI; named when absent.
 */
const tls = { url: process.env.MSSQL_TLS_TEST_URL, cert: process.env.MSSQL_TLS_TEST_CERT };
describe('a server with a self-signed certificate', () => {
  it.skipIf(!tls.url || !tls.cert)('is refused without trust; with serverCertificate it connects, encrypted (needs MSSQL_TLS_TEST_URL and MSSQL_TLS_TEST_CERT)', async () => {
    const refused = await runCliInProcess(['migrations-check'], { CW_DB_URL: tls.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the server's TLS certificate is not trusted");

    const trusted = new URL(tls.url!);
    trusted.searchParams.set('serverCertificate', tls.cert!);
    const ok = await runCliInProcess(['migrations-check'], { CW_DB_URL: trusted.toString() });
    expect(ok.stdout).toContain('Schema check of');
    expect(ok.stderr).not.toContain('WARN');
    // The server's own view agrees (the admin login may read it).
    const { openDatabase } = await import('../../src/db/connect.js');
    const { parseConnectionSpec } = await import('../../src/config/connection-spec.js');
    const handle = await openDatabase(parseConnectionSpec(trusted.toString(), 'test'), { poolSize: 1 });
    try {
      const { rows } = await sql<{ encrypted: string }>`SELECT encrypt_option AS encrypted FROM sys.dm_exec_connections WHERE session_id = @@SPID`.execute(handle.db);
      expect(String(rows[0]?.encrypted).toUpperCase()).toBe('TRUE');
    } finally {
      await handle.db.destroy();
    }

    const anyCert = new URL(tls.url!);
    anyCert.searchParams.set('trustServerCertificate', 'true');
    const warned = await runCliInProcess(['migrations-check'], { CW_DB_URL: anyCert.toString() });
    expect(warned.stdout).toContain('Schema check of');
    expect(warned.stderr).toContain('trustServerCertificate=true');
  });
});
