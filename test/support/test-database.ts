import { createHash, randomBytes } from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { Kysely, sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import type { Database } from '../../src/db/model/schema.js';
import { migrateToLatest } from '../../src/journal/migrator.js';
import { seedConnectWise, type FixtureOptions } from '../../src/fixture/generate.js';
import { specForDatabase, type TestEngine } from './engines.js';

export interface TestDatabase extends DatabaseHandle {
  name: string;
  url: string;
  engineInfo: TestEngine;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database per test on the given engine, so tests cannot leak into each other.
 * Engine-specific admin SQL (CREATE/DROP DATABASE) lives here, in test support only.
 */
export async function createTestDatabase(engine: TestEngine, template?: string): Promise<TestDatabase> {
  const name = `cwm_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
  try {
    const create = template ? sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(template)}` : sql`CREATE DATABASE ${sql.id(name)}`;
    await tolerateCatalogRace(engine, () => (template ? retry(() => create.execute(admin.db)) : create.execute(admin.db)));
  } finally {
    await admin.db.destroy();
  }
  const spec = specForDatabase(engine, name);
  const handle = await openDatabase(spec, { poolSize: 4 });
  return {
    ...handle,
    name,
    url: urlFor(engine, name),
    engineInfo: engine,
    async drop() {
      await handle.db.destroy().catch(() => undefined);
      const again = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
      try {
        if (engine.engine === 'postgres') {
          await retry(() => sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(again.db));
        } else {
          if (engine.flavor === 'sqlserver') {
            await sql.raw(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE`).execute(again.db).catch(() => undefined);
          }
          await tolerateCatalogRace(engine, () => sql.raw(`DROP DATABASE [${name}]`).execute(again.db));
        }
      } finally {
        await again.db.destroy();
      }
    },
  };
}

/**
 * PostgreSQL: a drop or a clone can meet a session that is just going away (an autovacuum worker
 * on a fresh database, a pool's last connection closing); it succeeds a moment later.
 */
async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !/being accessed by other users|role whose process is being terminated/.test(String((error as Error)?.message))) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/**
 * Babelfish (not SQL Server) fails CREATE/DROP DATABASE with "tuple concurrently updated" when
 * two run at once (parallel test files do). Known difference, tolerated here explicitly: retry.
 * SQL Server and PostgreSQL get exactly one attempt.
 */
async function tolerateCatalogRace<T>(engine: TestEngine, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const race = engine.flavor === 'babelfish' && /tuple concurrently updated/.test(String((error as Error)?.message));
      if (!race || attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
    }
  }
}

/** CW_DB_URL for the CLI, pointing at the test database. */
function urlFor(engine: TestEngine, database: string): string {
  const url = new URL(engine.adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export const SMALL_FIXTURE: Omit<FixtureOptions, 'layout'> = { companies: 60, contactsPerCompany: 3, seed: 7 };

/** A test database with the ConnectWise fixture and, unless told otherwise, cw-maint's tables migrated. */
export async function seededDatabase(
  engine: TestEngine,
  options: Partial<FixtureOptions> & { layout: FixtureOptions['layout']; migrate?: boolean },
): Promise<TestDatabase> {
  const fill = async (db: TestDatabase) => {
    await seedConnectWise(db.db, db.adapter, { ...SMALL_FIXTURE, ...options });
    if (options.migrate !== false) {
      const { error } = await migrateToLatest(db.db, db.adapter, 'cw_maint');
      if (error) throw error;
    }
  };
  if (engine.engine !== 'postgres') {
    const tdb = await createTestDatabase(engine);
    await fill(tdb);
    return tdb;
  }
  // PostgreSQL: the first test that needs a given fixture fills a template once; every test then
  // gets its own copy of it (CREATE DATABASE ... TEMPLATE copies files, no statements replayed).
  const template = await ensureTemplate(engine, JSON.stringify({ ...SMALL_FIXTURE, ...options }), fill);
  return createTestDatabase(engine, template);
}

/**
 * The databases of one describe block, each dropped after its test (the one helper every
 * integration file uses): `seeded(options)` a copy of the fixture (cw-maint's tables migrated
 * unless told otherwise), `keep(...databases)` ones made elsewhere.
 */
export function testDatabases(engine: TestEngine, defaults: Partial<Parameters<typeof seededDatabase>[1]> = {}) {
  const open: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.drop()));
  });
  const keep = (...databases: TestDatabase[]) => {
    open.push(...databases);
    return databases[0]!;
  };
  return {
    seeded: async (options: Partial<Parameters<typeof seededDatabase>[1]> = {}) => keep(await seededDatabase(engine, { layout: 'many-to-many', ...defaults, ...options })),
    keep,
  };
}

/** Templates of this test run, by fixture options: created once per run (global-setup drops them). */
async function ensureTemplate(engine: TestEngine, key: string, fill: (db: TestDatabase) => Promise<void>): Promise<string> {
  const name = `${TEMPLATE_PREFIX}${inject('runTag')}_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  const admin = await openDatabase(parseConnectionSpec(engine.adminUrl, 'test URL'), { poolSize: 1 });
  try {
    // One worker fills it; the others wait on the same advisory lock and then find it there.
    return await admin.db.connection().execute(async (conn) => {
      const lock = Number.parseInt(name.slice(-8), 16) | 0;
      await sql`SELECT pg_advisory_lock(${lock})`.execute(conn);
      try {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`.execute(conn);
        if (!rows[0]?.n) {
          const scratch = await createTestDatabase(engine);
          try {
            await fill(scratch);
          } finally {
            await scratch.db.destroy();
          }
          await retry(() => sql`ALTER DATABASE ${sql.id(scratch.name)} RENAME TO ${sql.id(name)}`.execute(conn));
        }
        return name;
      } finally {
        await sql`SELECT pg_advisory_unlock(${lock})`.execute(conn);
      }
    });
  } finally {
    await admin.db.destroy();
  }
}

export const TEMPLATE_PREFIX = 'cwm_tpl_';

/** All Contact rows, ordered, with flags as 0/1 so both engines compare alike. Audit columns left out unless asked. */
export async function contactRows(db: Kysely<Database>, options: { audit?: boolean } = {}) {
  const rows = await db
    .selectFrom('dbo.Contact')
    .select([
      'Contact_RecID',
      'Company_RecID',
      'First_Name',
      'Last_Name',
      sql<number | null>`cast("Default_Flag" as int)`.as('Default_Flag'),
      sql<number | null>`cast("Default_Billing_Flag" as int)`.as('Default_Billing_Flag'),
      sql<number | null>`cast("Inactive_Flag" as int)`.as('Inactive_Flag'),
      'Portal_Security_Level',
      sql<number | null>`cast("Disable_Flag" as int)`.as('Disable_Flag'),
      ...(options.audit ? (['Last_Update', 'Last_Update_UTC', 'Updated_By'] as const) : []),
    ])
    .orderBy('Contact_RecID')
    .execute();
  return rows.map((r) => ({ ...r }));
}

/** A checksum of every ConnectWise table's full contents (dbo), for "wrote nothing" proofs. */
export async function dboChecksum(db: Kysely<any>): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  for (const table of ['Company_Status', 'Company_Type', 'Company', 'Company_Company_Type', 'Contact']) {
    const exists = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'dbo' AND TABLE_NAME = ${table}`.execute(db);
    if (!Number(exists.rows[0]?.n)) continue;
    const rows = await db.selectFrom(`dbo.${table}`).selectAll().execute();
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    hash.update(`${table}\n${lines.join('\n')}\n`);
  }
  return hash.digest('hex');
}
