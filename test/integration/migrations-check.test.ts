import { sql } from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import type { Kysely } from 'kysely';
import { JOBS } from '../../jobs/index.js';
import { loadLayouts } from '../../src/preflight/schema-contract.js';
import type { EngineAdapter } from '../../src/db/engines.js';
import { SchemaCheckError } from '../../src/errors.js';
import { migrateToLatest, migrationStatus } from '../../src/journal/migrator.js';
import { preflight } from '../../src/preflight/preflight.js';
import { jobColumns } from '../../src/vocabulary/required-columns.js';
import { dboChecksum, seededDatabase, testDatabases } from '../support/test-database.js';
import { inRolledBackTransaction, renameColumn, retypeColumnToText } from '../support/schema-edits.js';
import { runNamedJob } from '../support/run.js';
import { runCliInProcess } from '../support/cli.js';

const JOB_NAMES = JOBS.map((j) => j.name);

/** The schema part of the preflight every run makes, for every job. */
async function schemaReport(db: Kysely<any>, adapter: EngineAdapter) {
  return (await preflight({ db, adapter }, JOBS, 'cw_maint')).schema;
}

const BIT_AND_INT_COLUMNS = [
  ['dbo.Contact', 'Disable_Flag'],
  ['dbo.Contact', 'Portal_Security_Level'],
  ['dbo.Contact', 'Default_Billing_Flag'],
] as const;

for (const engine of inject('engines')) {
  describe(`migrations-check on ${engine.name}`, () => {
    const { keep } = testDatabases(engine);

    for (const layout of loadLayouts()) {
      it(`${layout.layout}: detected, every job can run, audit columns found`, async () => {
        const tdb = await seededDatabase(engine, { layout: layout.layout as 'legacy' | 'many-to-many' });
        keep(tdb);
        const report = await schemaReport(tdb.db, tdb.adapter);
        expect(report.layout).toBe(layout.layout);
        expect(report.blocked).toEqual({});
        expect(report.auditColumns.sort()).toEqual(['Last_Update', 'Last_Update_UTC', 'Updated_By']);

        // Each required column, missing in turn, blocks exactly the jobs that need it.
        for (const spec of report.required) {
          await inRolledBackTransaction(tdb.db, async (trx) => {
            await renameColumn(trx, engine, spec.table, spec.column, `${spec.column}_gone`);
            const broken = await schemaReport(trx, tdb.adapter);
            const qualified = `${spec.table}.${spec.column}`;
            if (layout.detect.present.includes(qualified)) {
              expect(broken.layout).toBeNull();
              expect(Object.keys(broken.blocked).sort()).toEqual([...JOB_NAMES].sort());
              return;
            }
            const expected = JOBS.filter((job) => jobColumns(job, layout.layout).includes(qualified as never)).map((j) => j.name);
            expect(expected.length).toBeGreaterThan(0);
            expect(Object.keys(broken.blocked).sort(), qualified).toEqual([...expected].sort());
            for (const job of expected) expect(broken.blocked[job]).toEqual([`${qualified} not found`]);
          });
        }
      });
    }

    it('a retyped column is reported with its type and blocks its jobs; optional columns only change behaviour', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many', auditColumns: false });
      keep(tdb);
      const plain = await schemaReport(tdb.db, tdb.adapter);
      expect(plain.blocked).toEqual({});
      expect(plain.auditColumns).toEqual([]);
      for (const [table, column] of BIT_AND_INT_COLUMNS) {
        await inRolledBackTransaction(tdb.db, async (trx) => {
          await retypeColumnToText(trx, engine, table, column);
          const report = await schemaReport(trx, tdb.adapter);
          const row = report.required.find((r) => r.column === column)!;
          expect(row.status).toBe('wrong-type');
          const blockedJobs = Object.keys(report.blocked);
          expect(blockedJobs.length).toBeGreaterThan(0);
          for (const job of blockedJobs) expect(report.blocked[job]![0]).toMatch(new RegExp(`^${table}\\.${column} is (n?varchar|character varying), expected (bit|int)$`));
        });
      }
    });

    it('an unknown layout refuses every job before any write', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      keep(tdb);
      await sql`DROP TABLE ${sql.table('dbo.Company_Company_Type')}`.execute(tdb.db);
      const report = await schemaReport(tdb.db, tdb.adapter);
      expect(report.layout).toBeNull();
      expect(report.blocked['revoke-inactive']![0]).toMatch(/matches no known layout/);
      const before = await dboChecksum(tdb.db);
      await expect(runNamedJob(tdb, 'revoke-inactive', { companyTypes: [1], companyStatuses: [2] }, 'apply')).rejects.toThrow(SchemaCheckError);
      await expect(runNamedJob(tdb, 'set-company-portal', { level: 3, companyId: 'Co00002' }, 'dry-run')).rejects.toThrow(SchemaCheckError);
      expect(await dboChecksum(tdb.db)).toBe(before);
    });

    it('pending cw-maint migrations block apply but not dry run; migrate is idempotent', async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy', migrate: false });
      keep(tdb);
      const params = { level: 2, companyTypes: [1], companyStatuses: [1] };
      const error = await runNamedJob(tdb, 'set-primary-portal', params, 'apply').catch((e) => e);
      expect(error).toBeInstanceOf(SchemaCheckError);
      expect([error.message, ...error.details].join('\n')).toContain('npm run migrate');
      expect((await runNamedJob(tdb, 'set-primary-portal', params, 'dry-run')).plan.changed).toBeGreaterThan(0);

      const first = await migrateToLatest(tdb.db, tdb.adapter, 'cw_maint');
      expect(first.error).toBeUndefined();
      expect(first.results?.map((r) => r.status)).toEqual(Array(8).fill('Success'));
      // Migration 008: the journal keeps no foreign key (checked row by row, it cost a fifth of a first run).
      const fks =
        engine.engine === 'postgres'
          ? sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'cw_maint.journal'::regclass AND contype = 'f'`
          : sql<{ n: number }>`SELECT count(*) AS n FROM sys.foreign_keys WHERE parent_object_id = OBJECT_ID(N'cw_maint.journal')`;
      expect(Number((await fks.execute(tdb.db)).rows[0]!.n)).toBe(0);
      const second = await migrateToLatest(tdb.db, tdb.adapter, 'cw_maint');
      expect(second.error).toBeUndefined();
      expect(second.results).toEqual([]);
      expect((await migrationStatus(tdb.db, tdb.adapter, 'cw_maint')).pending).toEqual([]);
      const applied = await runNamedJob(tdb, 'set-primary-portal', params, 'apply');
      expect(applied.changed).toBeGreaterThan(0);
      // A run deleted by hand leaves journal rows no undo can name: migrations-check says so (exit 3).
      await tdb.db.deleteFrom('cw_maint.run').where('run_id', '=', applied.runId!).execute();
      const check = await runCliInProcess(['migrations-check'], { CW_DB_URL: tdb.url });
      expect(check.code).toBe(3);
      expect(check.stderr).toContain(`${applied.changed} journal row(s) in "cw_maint" have no run row`);
    });

    it('a cw-maint schema migrated by a newer cw-maint is refused before any write, exit 3, by every command', async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy' });
      keep(tdb);
      await tdb.db.insertInto('cw_maint.cw_maint_migration' as never).values({ name: '2099-01-01-999-from-the-future', timestamp: '2099-01-01T00:00:00.000Z' } as never).execute();
      const before = await dboChecksum(tdb.db);
      for (const args of [['revoke-inactive', '--types', '1', '--statuses', '2', '--yes'], ['revoke-inactive', '--types', '1', '--statuses', '2', '--dry-run'], ['migrations-check'], ['migrate']]) {
        const r = await runCliInProcess(args, { CW_DB_URL: tdb.url });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
        expect(r.stderr + r.stdout).toContain('2099-01-01-999-from-the-future');
      }
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect((await tdb.db.selectFrom('cw_maint.run').selectAll().execute()).length).toBe(0);
    });
  });
}
