import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { PASSWORD_PLACEHOLDER } from '../../src/preflight/privileges/grants-script.js';
import { openDatabase } from '../../src/db/connect.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { runCliInProcess } from './cli.js';
import type { TestDatabase } from './test-database.js';

export interface ServiceLogin {
  login: string;
  password: string;
  /** CW_DB_URL of the test database as this login. */
  url: string;
  script: string;
  drop(): Promise<void>;
}

/**
 * A login made the way a DBA makes it: `grants` (run as the admin, which detects the layout)
 * prints the script, the placeholder password is replaced, and the admin runs it. Logins and
 * roles are server-wide on both engines, so each test makes its own and drops it after its database.
 */
export async function serviceLoginFromGrants(tdb: TestDatabase, options: { offline?: boolean } = {}): Promise<ServiceLogin> {
  const login = `cwm_svc_${randomBytes(4).toString('hex')}`;
  const password = `Svc_${randomBytes(6).toString('hex')}_9x`;
  // offline: the script printed without a database (--engine), which checks the layout itself when run.
  const printed = options.offline
    ? await runCliInProcess(['grants', '--login', login, '--engine', tdb.engineInfo.engine])
    : await runCliInProcess(['grants', '--login', login], { CW_DB_URL: tdb.url });
  if (printed.code !== 0) throw new Error(`grants failed: ${printed.stderr}`);
  const script = printed.stdout.replaceAll(PASSWORD_PLACEHOLDER, password);
  await sql.raw(script).execute(tdb.db);
  const url = new URL(tdb.url);
  url.username = login;
  url.password = password;
  return {
    login,
    password,
    url: url.toString(),
    script: printed.stdout,
    async drop() {
      const admin = await openDatabase(parseConnectionSpec(tdb.engineInfo.adminUrl, 'test URL'), { poolSize: 1 });
      try {
        if (tdb.engineInfo.engine === 'postgres') {
          await sql.raw(`DROP ROLE IF EXISTS "${login}"; DROP ROLE IF EXISTS "${login}_role"`).execute(admin.db);
        } else {
          // The database (and its user and role) is dropped by the test; the login is server-wide.
          await sql.raw(`IF SUSER_ID('${login}') IS NOT NULL DROP LOGIN [${login}]`).execute(admin.db);
        }
      } finally {
        await admin.db.destroy();
      }
    },
  };
}
