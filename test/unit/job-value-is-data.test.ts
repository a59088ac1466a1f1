import { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { mssqlAdapter } from '../../src/db/mssql/mssql-adapter.js';
import { LAYOUTS } from '../../src/db/model/layout.js';
import { AUDIT_COLUMNS, type Database } from '../../src/db/model/schema.js';
import { atCompaniesMatching, readsWithScriptJoins } from '../../src/vocabulary/contact-filters.js';
import { defineJob } from '../../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes, onlyUnset, portalLevel } from '../../src/vocabulary/params.js';
import { oldRestoreReactivated } from '../support/old-restore-reactivated.js';

/**
 * A job's new value cannot read the row it changes (issue 21): it is data, a constant or one of
 * the job's parameters, and the conditions on the column it writes and on the journal are
 * declared apart from its target, where `plan` can read them.
 */
const base = {
  summary: 'test',
  reproduces: null,
  params: { level: portalLevel, companyTypes, companyStatuses, onlyUnset: onlyUnset(false) },
  reads: readsWithScriptJoins([]),
  writes: 'Portal_Security_Level',
  target: () => ({}) as never,
  example: {},
} as const;

describe("a job's value is data", () => {
  it('the type takes a constant or a number parameter, never a function, a switch or an expression', () => {
    defineJob({ ...base, name: 'a', value: { param: 'level' } });
    defineJob({ ...base, name: 'b', value: { constant: 3 } });
    // @ts-expect-error a function could read anything: not a value
    defineJob({ ...base, name: 'c', value: (p: { level: number }) => p.level });
    // @ts-expect-error onlyUnset is a switch, not a level
    defineJob({ ...base, name: 'd', value: { param: 'onlyUnset' } });
    // @ts-expect-error the journaled before-value only with `reverts`
    defineJob({ ...base, name: 'e', value: 'journaled-before' });
    // @ts-expect-error the old shape is gone
    defineJob({ ...base, name: 'f', newValue: () => 3 });
    expect(true).toBe(true);
  });

  it('a job cannot take back its own changes', () => {
    expect(() => defineJob({ ...base, name: 'g', value: { constant: 1 }, reverts: { value: 2, of: { jobs: ['g'] } } })).toThrow(/its own changes/);
  });

  it("no job's target reads the column it writes or cw-maint's journal: those conditions are declared (onlyWhere, reverts)", () => {
    const db = new Kysely<Database>({ dialect: mssqlAdapter.driver.compileOnlyDialect() });
    for (const job of [...JOBS, oldRestoreReactivated]) {
      const params = job.paramsSchema.parse(job.example) as Record<string, unknown>;
      for (const layout of LAYOUTS) {
        const context = { layout, journalSchema: 'cw_maint', auditColumns: AUDIT_COLUMNS };
        const text = db.selectFrom('dbo.Contact').select('Contact_RecID').where((eb) => job.target(eb, params, context)).compile().sql;
        expect(text, job.name).not.toContain(`"${job.writes}"`);
        expect(text, job.name).not.toContain('cw_maint');
      }
    }
    // The check can fail: a target that reads its column is caught.
    const reading = defineJob({ ...base, name: 'h', value: { param: 'level' }, target: (eb, p, c) => eb.and([eb('dbo.Contact.Portal_Security_Level', '=', 0), atCompaniesMatching(eb, { types: p.companyTypes }, c)]) });
    const text = db.selectFrom('dbo.Contact').select('Contact_RecID').where((eb) => reading.target(eb, { level: 1, companyTypes: [1], companyStatuses: [1], onlyUnset: false }, { layout: 'legacy', journalSchema: 'cw_maint', auditColumns: [] })).compile().sql;
    expect(text).toContain('"Portal_Security_Level"');
  });
});
