import { sql } from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import { migrateToLatest, migrationStatus } from '../../src/journal/migrator.js';
import { readCatalog } from '../../src/db/catalog.js';
import { preflight } from '../../src/preflight/preflight.js';
import { runCliInProcess } from '../support/cli.js';
import { createTestDatabase, type TestDatabase, testDatabases } from '../support/test-database.js';

/** cw-maint's own schema as the catalog shows it: table -> column -> type, nullability. */
async function ownSchemaShape(tdb: TestDatabase) {
  const catalog = await readCatalog(tdb.db, 'cw_maint');
  return Object.fromEntries([...catalog].filter(([t]) => t.startsWith('cw_maint.')).map(([t, cols]) => [t, Object.fromEntries(cols)]));
}

for (const engine of inject('engines')) {
  describe(`migrate --print-sql on ${engine.name}`, () => {
    const { keep } = testDatabases(engine);

    it('the printed DDL, run by an admin on an empty database, leaves the schema cw-maint accepts as fully migrated', async () => {
      const [byScript, byMigrator] = await Promise.all([createTestDatabase(engine), createTestDatabase(engine)]);
      keep(byScript, byMigrator);
      const printed = await runCliInProcess(['migrate', '--print-sql'], { CW_DB_URL: byScript.url });
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toMatch(/create schema/i);
      expect(printed.stdout).toContain('cw_maint_migration_lock');
      // It connected to nothing: the database is still empty.
      expect((await migrationStatus(byScript.db, byScript.adapter, 'cw_maint')).applied).toEqual([]);

      if (engine.engine === 'mssql') {
        // As sqlcmd runs it: batches separated by GO.
        for (const batch of printed.stdout.split(/^GO$/m).map((b) => b.trim()).filter((b) => b.replace(/^--.*$/gm, '').trim())) {
          await sql.raw(batch).execute(byScript.db);
        }
      } else {
        await sql.raw(printed.stdout).execute(byScript.db);
      }

      const status = await migrationStatus(byScript.db, byScript.adapter, 'cw_maint');
      expect(status.pending).toEqual([]);
      expect(status.unknown).toEqual([]);
      const report = await preflight(byScript, [], 'cw_maint');
      expect(report.ownSchema).toEqual({ blocksApply: [], blocksEveryRun: [] });
      const migrate = await runCliInProcess(['migrate'], { CW_DB_URL: byScript.url });
      expect(migrate.stdout).toContain('Nothing to do');

      // The same tables and columns as Kysely's Migrator makes itself.
      const { error } = await migrateToLatest(byMigrator.db, byMigrator.adapter, 'cw_maint');
      expect(error).toBeUndefined();
      expect(await ownSchemaShape(byScript)).toEqual(await ownSchemaShape(byMigrator));
    }, 120_000);
  });
}

describe('migrate --print-sql without a database', () => {
  it('prints for the engine named by --engine, connecting to nothing', async () => {
    for (const engine of ['mssql', 'postgres']) {
      const r = await runCliInProcess(['migrate', '--print-sql', '--engine', engine]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('"cw_maint"."run"');
      expect(r.stdout.includes('\nGO\n')).toBe(engine === 'mssql');
      // cw-maint's run lock, taken once (as `migrate` itself takes it); Kysely's own migration lock calls are left out.
      expect(r.stdout.match(/sp_getapplock|pg_advisory/g)).toEqual([engine === 'mssql' ? 'sp_getapplock' : 'pg_advisory']);
      expect(r.stdout).toContain("'cw-maint:apply:'");
      expect(r.stdout).not.toMatch(/\$1|@1\b/);
    }
  });
});
