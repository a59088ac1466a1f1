import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase } from '../../src/db/connect.js';
import type { TestEngine } from './engines.js';

/**
 * Finds every engine present and hands the list to the tests. PostgreSQL: PG_TEST_URL (CI
 * starts one). SQL Server: MSSQL_TEST_URL, else a testcontainers SQL Server when a Docker
 * engine answers. Each absent engine is named in one visible line; no engine at all fails.
 */
export default async function setup(project: TestProject) {
  const engines: TestEngine[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  const say = (line: string) => process.stderr.write(`[engines] ${line}\n`);

  if (process.env.PG_TEST_URL) {
    await probe(process.env.PG_TEST_URL, 'PG_TEST_URL');
    engines.push({ name: 'postgres', engine: 'postgres', adminUrl: process.env.PG_TEST_URL, flavor: 'postgres' });
    say(`postgres: ${redact(process.env.PG_TEST_URL)}`);
  } else {
    say('postgres: skipped (PG_TEST_URL not set; .ci/run sets it)');
  }

  if (process.env.MSSQL_TEST_URL) {
    const flavor = await probe(process.env.MSSQL_TEST_URL, 'MSSQL_TEST_URL');
    engines.push({ name: `mssql (${flavor})`, engine: 'mssql', adminUrl: process.env.MSSQL_TEST_URL, flavor });
    say(`SQL Server: ${redact(process.env.MSSQL_TEST_URL)} (${flavor})`);
  } else {
    const container = await startSqlServerContainer(say);
    if (container) {
      engines.push({ name: 'mssql (testcontainers)', engine: 'mssql', adminUrl: container.url, flavor: 'sqlserver' });
      stops.push(container.stop);
    }
  }

  if (!engines.length) {
    throw new Error('No database engine for the integration suite: set PG_TEST_URL or MSSQL_TEST_URL, or start Docker. Refusing to pass with everything skipped.');
  }
  if (process.env.CI && !engines.some((e) => e.engine === 'postgres')) {
    throw new Error('CI must run the suite on PostgreSQL (PG_TEST_URL), which .ci/run starts.');
  }
  project.provide('engines', engines);
  const runTag = Date.now().toString(36);
  project.provide('runTag', runTag);
  return async () => {
    for (const engine of engines) if (engine.engine === 'postgres') await dropTemplates(engine.adminUrl, runTag);
    for (const stop of stops) await stop();
  };
}

async function probe(url: string, envName: string): Promise<TestEngine['flavor']> {
  const spec = parseConnectionSpec(url, envName);
  const handle = await openDatabase(spec, { poolSize: 1 }).catch((error: Error) => {
    throw new Error(`${envName} is set but unusable: ${error.message}`);
  });
  try {
    if (spec.engine === 'postgres') return 'postgres';
    const { rows } = await sql<{ v: string }>`SELECT @@VERSION AS v`.execute(handle.db);
    return /babelfish/i.test(rows[0]?.v ?? '') ? 'babelfish' : 'sqlserver';
  } finally {
    await handle.db.destroy();
  }
}

async function startSqlServerContainer(say: (line: string) => void) {
  let runtimeOk = false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    runtimeOk = true;
  } catch {
    say('SQL Server: skipped (no MSSQL_TEST_URL, and no Docker engine answers for testcontainers)');
    return undefined;
  }
  if (!runtimeOk) return undefined;
  const { MSSQLServerContainer } = await import('@testcontainers/mssqlserver');
  say('SQL Server: starting mcr.microsoft.com/mssql/server:2022-latest with testcontainers (about 30 s)');
  const container = await new MSSQLServerContainer('mcr.microsoft.com/mssql/server:2022-latest').acceptLicense().start();
  const url =
    `mssql://${encodeURIComponent(container.getUsername())}:${encodeURIComponent(container.getPassword())}` +
    `@${container.getHost()}:${container.getPort()}/master?encrypt=true&trustServerCertificate=true`;
  say(`SQL Server: container at ${container.getHost()}:${container.getPort()}`);
  return { url, stop: () => container.stop() };
}

function redact(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@]*@/, '://$1:***@');
}

/**
 * The template databases this run filled (test-database.ts), dropped at its end, and those a
 * crashed run left over an hour ago; never a template another run on the same server still uses.
 */
async function dropTemplates(adminUrl: string, runTag: string) {
  const admin = await openDatabase(parseConnectionSpec(adminUrl, 'PG_TEST_URL'), { poolSize: 1 });
  try {
    const { rows } = await sql<{ datname: string }>`SELECT datname FROM pg_database WHERE datname LIKE ${'cwm_tpl_%'}`.execute(admin.db);
    const tagOf = (name: string) => name.slice('cwm_tpl_'.length).split('_')[0]!;
    const stale = (name: string) => tagOf(name) === runTag || Date.now() - Number.parseInt(tagOf(name), 36) > 3_600_000;
    for (const { datname } of rows.filter((r) => stale(r.datname))) {
      await sql`DROP DATABASE IF EXISTS ${sql.id(datname)} WITH (FORCE)`.execute(admin.db).catch(() => undefined);
    }
  } finally {
    await admin.db.destroy();
  }
}
