import { createHash } from 'node:crypto';
import {
  InsertQueryNode,
  TableNode,
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import { seedConnectWise, type FixtureOptions } from '../../src/fixture/generate.js';
import { runScript } from '../support/cli.js';
import { contactRows, createTestDatabase, dboChecksum, type TestDatabase, testDatabases } from '../support/test-database.js';

const FIXTURE_TABLES = ['Company_Status', 'Company_Type', 'Company', 'Company_Company_Type', 'Contact'];

/**
 * Sends every INSERT into dbo.Contact to a table that does not exist, so the database itself fails
 * the statement after the lookups and the first Company rows were written. Records what it saw.
 */
class FailContactInserts implements KyselyPlugin {
  readonly insertedInto: string[] = [];

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!InsertQueryNode.is(node) || !node.into) return node;
    const table = node.into.table.identifier.name;
    this.insertedInto.push(table);
    return table === 'Contact' ? { ...node, into: TableNode.createWithSchema('dbo', 'No_Such_Table') } : node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

/** The fixture's tables present in dbo (INFORMATION_SCHEMA, so both engines answer alike). */
async function fixtureTablesPresent(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ${'dbo'} AND TABLE_NAME IN (${sql.join(FIXTURE_TABLES)})`.execute(db);
  return rows.map((r) => r.name);
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Engine-neutral contents: flags as 0/1, audit columns left out, ordered by key. */
async function fixtureContents(tdb: TestDatabase) {
  const db = tdb.db as Kysely<any>;
  const companies = await db.selectFrom('dbo.Company').select(['Company_RecID', 'Company_ID', 'Company_Name', 'Company_Status_RecID']).orderBy('Company_RecID').execute();
  const types = await db.selectFrom('dbo.Company_Company_Type').select(['Company_RecID', 'Company_Type_RecID']).orderBy('Company_RecID').orderBy('Company_Type_RecID').execute();
  const contacts = await contactRows(tdb.db);
  return { counts: [companies.length, types.length, contacts.length], companies: sha256(companies), types: sha256(types), contacts: sha256(contacts) };
}

for (const engine of inject('engines')) {
  describe(`the ConnectWise fixture on ${engine.name}`, () => {
    const { keep } = testDatabases(engine);

    async function freshDatabase(): Promise<TestDatabase> {
      const tdb = await createTestDatabase(engine);
      keep(tdb);
      return tdb;
    }

    it('is all or nothing: an insert failing after others leaves none of its tables', async () => {
      const tdb = await freshDatabase();
      const failing = new FailContactInserts();
      await expect(seedConnectWise(tdb.db.withPlugin(failing), tdb.adapter, { layout: 'many-to-many', companies: 50, contactsPerCompany: 3, seed: 7 })).rejects.toThrow();
      // The failure came after rows had been written, not at the first statement.
      expect(failing.insertedInto.slice(0, 3)).toEqual(['Company_Status', 'Company_Type', 'Company']);
      expect(failing.insertedInto).toContain('Contact');
      expect(await fixtureTablesPresent(tdb.db)).toEqual([]);
    });

    it('npm run fixture: a failure part-way leaves nothing, says so in one line (a stack with --verbose), and can run again', async () => {
      const tdb = await freshDatabase();
      const dbo = tdb.db.schema.withSchema('dbo');
      // In the way of the fourth CREATE TABLE, after three others succeeded.
      await tdb.adapter.ddl.createSchemaIfMissing(tdb.db, 'dbo');
      await dbo.createTable('Company_Company_Type').addColumn('Note', tdb.adapter.ddl.types.shortText(10)).execute();

      // Both fail on the same blocking table, so they can run at once.
      const [failed, verbose] = await Promise.all([
        runScript('scripts/fixture.ts', ['--companies', '20'], { CW_DB_URL: tdb.url }),
        runScript('scripts/fixture.ts', ['--companies', '20', '--verbose'], { CW_DB_URL: tdb.url }),
      ]);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stderr).toMatch(/^cw-maint: unexpected error: .*\n {2}\(run again with --verbose for details\)\n$/);
      expect(await fixtureTablesPresent(tdb.db)).toEqual(['Company_Company_Type']);

      expect(verbose.code, verbose.stderr).toBe(1);
      expect(verbose.stderr).toMatch(/\n {4}at /);
      expect(await fixtureTablesPresent(tdb.db)).toEqual(['Company_Company_Type']);

      await dbo.dropTable('Company_Company_Type').execute();
      const again = await runScript('scripts/fixture.ts', ['--companies', '20'], { CW_DB_URL: tdb.url });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/Created the many-to-many test schema .*: 20 companies/);
      const count = await tdb.db.selectFrom('dbo.Company').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(20);

      // A database that has dbo.Contact is refused, untouched; a bad argument is a usage error.
      const before = await dboChecksum(tdb.db);
      const [refused, bad] = await Promise.all([
        runScript('scripts/fixture.ts', [], { CW_DB_URL: tdb.url }),
        runScript('scripts/fixture.ts', ['--companies', 'many'], { CW_DB_URL: tdb.url }),
      ]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('already has dbo.Contact');
      expect(await dboChecksum(tdb.db)).toBe(before);
      expect(bad.code).toBe(2);
    });

    it('gives the same data for the same seed, as before the fixture was made incremental', async () => {
      const options: FixtureOptions = { layout: 'many-to-many', companies: 100, contactsPerCompany: 4, seed: 11 };
      const first = await freshDatabase();
      const second = await freshDatabase();
      const summary1 = await seedConnectWise(first.db, first.adapter, options);
      // The second inside a transaction of the caller's, which the fixture joins.
      const summary2 = await second.db.transaction().execute((trx) => seedConnectWise(trx, second.adapter, options));
      expect(summary1).toEqual({ companies: 100, contacts: 357 });
      expect(summary2).toEqual(summary1);
      const contents = await fixtureContents(first);
      expect(await fixtureContents(second)).toEqual(contents);
      // Checksums of what the fixture wrote for this seed before it was made incremental: the
      // other tests' data must not move. Change them only on purpose.
      expect(contents).toEqual({
        counts: [100, 126, 357],
        companies: 'ef572bed2c417151262d3ee80c612509f6c7b0b5e618a5fd8227c29487a6aba5',
        types: '56700933e6d29eafc6acf5c2e478f4a6507ea3b4f31c203d45f7629afa352520',
        contacts: '223e2cc6b8cee657be245ba5f2d58c6202bfa5510748672e34b327ef636a6189',
      });
    });
  });
}
