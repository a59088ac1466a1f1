import { sql } from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import { seededDatabase, testDatabases } from '../support/test-database.js';
import { journalRows, runNamedJob } from '../support/run.js';

/**
 * ConnectWise tables may carry enabled triggers. SQL Server rejects a bare OUTPUT clause on such a
 * table (error 334), and a trigger's own statements can add to the affected-row count. An apply
 * must work, journal exactly the changed rows, and the trigger must see each change once.
 */
for (const engine of inject('engines')) {
  describe(`an enabled audit trigger on dbo.Contact (${engine.name})`, () => {
    const { keep } = testDatabases(engine);

    it('apply succeeds and the trigger sees exactly the journaled rows', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      keep(tdb);
      await sql`CREATE TABLE ${sql.table('dbo.Contact_Audit')} (${sql.ref('Contact_RecID')} int NOT NULL)`.execute(tdb.db);
      if (engine.engine === 'postgres') {
        await sql.raw(`CREATE FUNCTION dbo.contact_audit() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO dbo."Contact_Audit" ("Contact_RecID") VALUES (NEW."Contact_RecID"); RETURN NEW; END $$`).execute(tdb.db);
        await sql.raw(`CREATE TRIGGER contact_audit AFTER UPDATE ON dbo."Contact" FOR EACH ROW EXECUTE FUNCTION dbo.contact_audit()`).execute(tdb.db);
      } else {
        // Deliberately without SET NOCOUNT ON, as third-party triggers often are.
        await sql.raw(`CREATE TRIGGER dbo.Contact_Audit_Trigger ON dbo.Contact AFTER UPDATE AS
          INSERT INTO dbo.Contact_Audit (Contact_RecID) SELECT Contact_RecID FROM inserted`).execute(tdb.db);
      }
      const result = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: [1, 9], companyStatuses: [2, 7] }, 'apply');
      expect(result.changed).toBeGreaterThan(0);
      const journaled = (await journalRows(tdb)).map((j) => j.contact_recid).sort((a, b) => a - b);
      const { rows } = await sql<{ id: number }>`SELECT ${sql.ref('Contact_RecID')} AS id FROM ${sql.table('dbo.Contact_Audit')}`.execute(tdb.db);
      const audited = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      expect(journaled).toHaveLength(result.changed);
      expect(audited).toEqual(journaled);
    });
  });
}
