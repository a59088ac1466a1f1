import {  describe, expect, inject, it } from 'vitest';
import { contactRows, seededDatabase, testDatabases } from '../support/test-database.js';
import { originalScriptSql, type OriginalScript } from '../support/original-scripts.js';
import { executeRaw, runNamedJob, TEST_SETTINGS } from '../support/run.js';
import { FIXTURE_STATUSES } from '../../src/fixture/generate.js';

/**
 * Each job against its original script, on every engine present: the original's logic runs on
 * one copy of a generated database, the job on another; the Contact tables must end identical
 * and the job's `changed` must equal the rows that really differ from the start.
 */
interface Case {
  title: string;
  layout: 'legacy' | 'many-to-many';
  job: string;
  params: Record<string, unknown>;
  original: OriginalScript;
}

const CASES: Case[] = [];
for (const layout of ['legacy', 'many-to-many'] as const) {
  CASES.push(
    { title: 'primary, one type and status, overwrite', layout, job: 'set-primary-portal', params: { level: 6, companyTypes: [1], companyStatuses: [1] }, original: { job: 'set-primary-portal', level: 6, types: [1], statuses: [1], onlyUnset: false } },
    { title: 'primary, several RecIDs, only unset', layout, job: 'set-primary-portal', params: { level: 3, companyTypes: [1, 9], companyStatuses: [1, 12], onlyUnset: true }, original: { job: 'set-primary-portal', level: 3, types: [1, 9], statuses: [1, 12], onlyUnset: true } },
    { title: 'billing, default only unset', layout, job: 'set-billing-portal', params: { level: 2, companyTypes: [1, 5], companyStatuses: [1] }, original: { job: 'set-billing-portal', level: 2, types: [1, 5], statuses: [1], onlyUnset: true } },
    { title: 'billing, overwrite', layout, job: 'set-billing-portal', params: { level: 5, companyTypes: [9], companyStatuses: [1, 3], onlyUnset: false }, original: { job: 'set-billing-portal', level: 5, types: [9], statuses: [1, 3], onlyUnset: false } },
    { title: 'company by Company_ID with a quote in it', layout, job: 'set-company-portal', params: { level: 4, companyId: "O'Brien & Sons" }, original: { job: 'set-company-portal', level: 4, companyId: "O'Brien & Sons", onlyUnset: false } },
    { title: 'company, only unset', layout, job: 'set-company-portal', params: { level: 1, companyId: 'Co00004', onlyUnset: true }, original: { job: 'set-company-portal', level: 1, companyId: 'Co00004', onlyUnset: true } },
    { title: 'revoke, two inactive statuses', layout, job: 'revoke-inactive', params: { companyTypes: [1, 9], companyStatuses: [2, 7] }, original: { job: 'revoke-inactive', types: [1, 9], statuses: [2, 7] } },
    { title: 'revoke, one type', layout, job: 'revoke-inactive', params: { companyTypes: [2], companyStatuses: [2] }, original: { job: 'revoke-inactive', types: [2], statuses: [2] } },
  );
}

for (const engine of inject('engines')) {
  describe(`jobs equal the original scripts on ${engine.name}`, () => {
    const { keep } = testDatabases(engine);

    for (const [i, c] of CASES.entries()) {
      // Every other case with plannedRowsMax 1: the apply then searches again instead of taking the plan's rows by id. Both must equal the script.
      const byId = i % 2 === 0;
      it(`${c.job}: ${c.title} (${c.layout}; ${byId ? 'rows by id' : 'searched again'})`, async () => {
        const [reference, subject] = await Promise.all([
          seededDatabase(engine, { layout: c.layout, migrate: false }),
          seededDatabase(engine, { layout: c.layout }),
        ]);
        keep(reference, subject);
        const before = await contactRows(subject.db);
        expect(await contactRows(reference.db)).toEqual(before); // same seed, same data

        await executeRaw(reference, originalScriptSql(engine, c.layout, c.original));
        // Every status allowed: the status guards are tested elsewhere; this compares with the script.
        const result = await runNamedJob(subject, c.job, c.params, 'apply', { settings: { ...TEST_SETTINGS, allowStatuses: FIXTURE_STATUSES.map((s) => s.id), ...(byId ? {} : { plannedRowsMax: 1 }) } });

        const expected = await contactRows(reference.db);
        const actual = await contactRows(subject.db);
        expect(actual).toEqual(expected);

        const differing = actual.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i])).length;
        expect(result.changed).toBe(differing);
        expect(result.plan.changed).toBe(differing);
        expect(result.plan.matched).toBeGreaterThanOrEqual(differing);
        // A case that changes nothing proves nothing: the fixture must exercise each case.
        expect(differing).toBeGreaterThan(0);
      });
    }

    for (const layout of ['legacy', 'many-to-many'] as const) {
      it(`the INNER JOINs leave out a company with no status or no type row, as the published script does (${layout})`, async () => {
        const [reference, subject] = await Promise.all([
          seededDatabase(engine, { layout, migrate: false }),
          seededDatabase(engine, { layout }),
        ]);
        keep(reference, subject);
        // Two companies that have contacts: one loses its status, the other its type.
        const [noStatus, noType] = (
          await subject.db
            .selectFrom('dbo.Company')
            .innerJoin('dbo.Contact', 'dbo.Contact.Company_RecID', 'dbo.Company.Company_RecID')
            .select(['dbo.Company.Company_ID', 'dbo.Company.Company_RecID'])
            .where('dbo.Company.Company_ID', 'like', 'Co%')
            .groupBy(['dbo.Company.Company_ID', 'dbo.Company.Company_RecID'])
            .orderBy('dbo.Company.Company_ID')
            .execute()
        ).slice(0, 2) as Array<{ Company_ID: string; Company_RecID: number }>;
        for (const tdb of [reference, subject]) {
          await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: null }).where('Company_RecID', '=', noStatus!.Company_RecID).execute();
          if (layout === 'legacy') await tdb.db.updateTable('dbo.Company').set({ Company_Type_RecID: null }).where('Company_RecID', '=', noType!.Company_RecID).execute();
          else await tdb.db.deleteFrom('dbo.Company_Company_Type').where('Company_RecID', '=', noType!.Company_RecID).execute();
        }
        for (const companyId of [noStatus!.Company_ID, noType!.Company_ID]) {
          const contacts = await subject.db
            .selectFrom('dbo.Contact')
            .innerJoin('dbo.Company', 'dbo.Company.Company_RecID', 'dbo.Contact.Company_RecID')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('dbo.Company.Company_ID', '=', companyId)
            .executeTakeFirstOrThrow();
          expect(Number(contacts.n), `${companyId} has contacts, so leaving them out proves something`).toBeGreaterThan(0);
          await executeRaw(reference, originalScriptSql(engine, layout, { job: 'set-company-portal', level: 6, companyId, onlyUnset: false }));
          const result = await runNamedJob(subject, 'set-company-portal', { level: 6, companyId }, 'apply');
          expect(result.plan.matched).toBe(0);
        }
        expect(await contactRows(subject.db)).toEqual(await contactRows(reference.db));
      });
    }

    it('a company with several types matches when any one of them is listed', async () => {
      const tdb = await seededDatabase(engine, { layout: 'many-to-many' });
      keep(tdb);
      // A company with two types whose primary contact is not at level 6 yet.
      const candidates = await tdb.db
        .selectFrom('dbo.Company_Company_Type as cct')
        .innerJoin('dbo.Contact as c', 'c.Company_RecID', 'cct.Company_RecID')
        .select(['cct.Company_RecID', 'c.Contact_RecID'])
        .where('c.Default_Flag', '=', true)
        .where((eb) => eb.or([eb('c.Portal_Security_Level', 'is', null), eb('c.Portal_Security_Level', '<>', 6)]))
        .groupBy(['cct.Company_RecID', 'c.Contact_RecID'])
        .having((eb) => eb.fn.countAll(), '>', 1)
        .orderBy('cct.Company_RecID')
        .execute();
      expect(candidates.length).toBeGreaterThan(0);
      const { Company_RecID: company, Contact_RecID: primary } = candidates[0]!;
      const types = await tdb.db.selectFrom('dbo.Company_Company_Type').select('Company_Type_RecID').where('Company_RecID', '=', company).orderBy('Company_Type_RecID').execute();
      const { Company_Status_RecID: status } = await tdb.db.selectFrom('dbo.Company').select('Company_Status_RecID').where('Company_RecID', '=', company).executeTakeFirstOrThrow();
      // Listing only the company's second type still selects its primary contact.
      await runNamedJob(tdb, 'set-primary-portal', { level: 6, companyTypes: [Number(types[1]!.Company_Type_RecID)], companyStatuses: [Number(status)] }, 'apply');
      const after = await tdb.db.selectFrom('dbo.Contact').select('Portal_Security_Level').where('Contact_RecID', '=', primary).executeTakeFirstOrThrow();
      expect(after.Portal_Security_Level).toBe(6);
    });
  });
}
