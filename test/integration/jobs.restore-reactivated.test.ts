import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { FIXTURE_STATUSES, FIXTURE_TYPES } from '../../src/fixture/generate.js';
import { runCliInProcess } from '../support/cli.js';
import { journalRows, runNamedJob, runUndo, TEST_SETTINGS } from '../support/run.js';
import { dboChecksum, testDatabases, type TestDatabase } from '../support/test-database.js';

/**
 * Issue 21's scenarios: restore-reactivated takes back what a company-level revoke did, and
 * nothing else. The old job (test/support/old-restore-reactivated.ts) runs beside it to show what
 * went wrong: it re-enabled the ex-employees revoke-inactive-contacts had disabled.
 */
const ALL_TYPES = FIXTURE_TYPES.map((t) => t.id);
const ACTIVE = FIXTURE_STATUSES.filter((s) => !s.inactive).map((s) => s.id);
/** In the small many-to-many fixture: a client (status 1) with six contacts. */
const CLIENT = 'Co00035';
const FORMER_CLIENT = 7;

async function disableFlags(tdb: TestDatabase, ids: readonly number[]) {
  if (!ids.length) return new Map<number, number | null>();
  const rows = await tdb.db.selectFrom('dbo.Contact').select(['Contact_RecID', sql<number | null>`cast(${sql.ref('Disable_Flag')} as int)`.as('flag')]).where('Contact_RecID', 'in', ids).execute();
  return new Map(rows.map((r) => [r.Contact_RecID, r.flag === null ? null : Number(r.flag)]));
}

async function runContacts(tdb: TestDatabase, runId: number) {
  return (await journalRows(tdb)).filter((j) => j.run_id === runId).map((j) => j.contact_recid).sort((a, b) => a - b);
}

/** Babelfish under load needs minutes for a fixture and a few plans; PostgreSQL takes seconds. */
const SLOW = 300_000;

for (const engine of inject('engines')) {
  describe(`restore-reactivated takes back only a company-level revoke, on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);

    /**
     * The realistic case: ex-employees of clients that stay are disabled by
     * revoke-inactive-contacts; one client goes inactive and revoke-inactive disables its six
     * contacts (one of them NULL before); the client comes back.
     */
    async function clientLeftAndCameBack() {
      const tdb = await seeded();
      const company = await tdb.db.selectFrom('dbo.Company').select(['Company_RecID', 'Company_Status_RecID']).where('Company_ID', '=', CLIENT).executeTakeFirstOrThrow();
      expect(company.Company_Status_RecID).toBe(1);
      const six = (await tdb.db.selectFrom('dbo.Contact').select('Contact_RecID').where('Company_RecID', '=', company.Company_RecID).orderBy('Contact_RecID').execute()).map((r) => r.Contact_RecID);
      expect(six).toHaveLength(6);
      // As the client's contacts were before it left: all active, one flag never set (NULL).
      await tdb.db.updateTable('dbo.Contact').set({ Inactive_Flag: false, Disable_Flag: false }).where('Contact_RecID', 'in', six).execute();
      await tdb.db.updateTable('dbo.Contact').set({ Disable_Flag: null }).where('Contact_RecID', '=', six[0]!).execute();

      const exEmployees = await runNamedJob(tdb, 'revoke-inactive-contacts', { companyTypes: ALL_TYPES }, 'apply');
      expect(exEmployees.changed).toBeGreaterThan(6);
      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: FORMER_CLIENT }).where('Company_RecID', '=', company.Company_RecID).execute();
      const revoked = await runNamedJob(tdb, 'revoke-inactive', { companyTypes: ALL_TYPES, companyStatuses: [FORMER_CLIENT] }, 'apply');
      expect(await runContacts(tdb, revoked.runId!)).toEqual(expect.arrayContaining(six));
      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: 1 }).where('Company_RecID', '=', company.Company_RecID).execute();
      return { tdb, six, exEmployees, revoked };
    }

    it('after revoke-inactive-contacts alone, plans nothing (the old job planned every ex-employee it had disabled at an active client)', async () => {
      const tdb = await seeded();
      const revoked = await runNamedJob(tdb, 'revoke-inactive-contacts', { companyTypes: ALL_TYPES }, 'apply');
      expect(revoked.changed).toBeGreaterThan(0);
      const params = { companyTypes: ALL_TYPES, companyStatuses: ACTIVE };
      const settings = { ...TEST_SETTINGS, allowStatuses: [] };
      expect((await runNamedJob(tdb, 'restore-reactivated', params, 'dry-run', { settings })).plan.changed).toBe(0);
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table('cw_maint.journal')} j
        JOIN ${sql.table('dbo.Contact')} c ON c.${sql.ref('Contact_RecID')} = j.${sql.ref('contact_recid')}
        JOIN ${sql.table('dbo.Company')} co ON co.${sql.ref('Company_RecID')} = c.${sql.ref('Company_RecID')}
        WHERE j.${sql.ref('run_id')} = ${revoked.runId!} AND co.${sql.ref('Company_Status_RecID')} IN (${sql.join(ACTIVE)})`.execute(tdb.db);
      expect((await runNamedJob(tdb, 'old-restore-reactivated', params, 'dry-run')).plan.changed).toBe(Number(rows[0]!.n));
    }, SLOW);

    it('a client that left and came back: exactly its six contacts, none of the ex-employees, the NULL restored as NULL', async () => {
      const { tdb, six, exEmployees } = await clientLeftAndCameBack();
      const params = { companyTypes: ALL_TYPES, companyStatuses: [1] };
      const old = await runNamedJob(tdb, 'old-restore-reactivated', params, 'dry-run');
      expect(old.plan.changed).toBeGreaterThan(6); // the six and the ex-employees at status-1 clients

      const before = await disableFlags(tdb, six);
      expect([...before.values()]).toEqual([1, 1, 1, 1, 1, 1]);
      const restored = await runNamedJob(tdb, 'restore-reactivated', params, 'apply');
      expect(restored.changed).toBe(6);
      const reenabled = await runContacts(tdb, restored.runId!);
      expect(reenabled).toEqual(six);
      const after = await disableFlags(tdb, six);
      expect(after.get(six[0]!)).toBeNull();
      expect(six.slice(1).map((id) => after.get(id))).toEqual([0, 0, 0, 0, 0]);
      // Its journal holds the NULL it restored.
      const journaled = (await journalRows(tdb)).find((j) => j.run_id === restored.runId && j.contact_recid === six[0]);
      expect(journaled).toMatchObject({ old_value: 1, new_value: null });
      // A second run finds nothing: its own change is now the latest.
      expect((await runNamedJob(tdb, 'restore-reactivated', params, 'dry-run')).plan.changed).toBe(0);
      // None of the ex-employees was re-enabled, anywhere.
      const exIds = await runContacts(tdb, exEmployees.runId!);
      expect([...(await disableFlags(tdb, exIds)).values()].every((v) => v === 1)).toBe(true);
    }, SLOW);

    it('an undo that re-applied the revoke counts as the revoke; an undo of the revoke leaves nothing to restore', async () => {
      const { tdb, six, revoked } = await clientLeftAndCameBack();
      const params = { companyTypes: ALL_TYPES, companyStatuses: [1] };
      const undone = await runUndo(tdb, revoked.runId!);
      expect((await runNamedJob(tdb, 'restore-reactivated', params, 'dry-run')).plan.changed).toBe(0);
      await runUndo(tdb, undone.runId!);
      const restored = await runNamedJob(tdb, 'restore-reactivated', params, 'apply');
      expect(await runContacts(tdb, restored.runId!)).toEqual(six);
      expect((await disableFlags(tdb, [six[0]!])).get(six[0]!)).toBeNull();
    }, SLOW);

    it('never a contact ConnectWise marks inactive now, and never at a company whose status is inactive, even one allowed', async () => {
      const { tdb, six } = await clientLeftAndCameBack();
      await tdb.db.updateTable('dbo.Contact').set({ Inactive_Flag: true }).where('Contact_RecID', '=', six[1]!).execute();
      const plan = await runNamedJob(tdb, 'restore-reactivated', { companyTypes: ALL_TYPES, companyStatuses: [1] }, 'dry-run');
      expect(plan.plan.changed).toBe(5);
      // The company leaves again (status 2, inactive): allowing 2 lets the guard pass, not the rows.
      const company = await tdb.db.selectFrom('dbo.Company').select('Company_RecID').where('Company_ID', '=', CLIENT).executeTakeFirstOrThrow();
      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: 2 }).where('Company_RecID', '=', company.Company_RecID).execute();
      const allowed = await runNamedJob(tdb, 'restore-reactivated', { companyTypes: ALL_TYPES, companyStatuses: [1, 2] }, 'dry-run', { settings: { ...TEST_SETTINGS, allowStatuses: [2] } });
      expect(allowed.refusal).toBeUndefined();
      expect(allowed.plan.changed).toBe(0);
    }, SLOW);

    it('allowStatuses and --allow-status cannot let it take a status revoke-inactive is configured to revoke (exit 5)', async () => {
      const { tdb } = await clientLeftAndCameBack();
      const configuredJobs = { 'revoke-inactive': { companyTypes: ALL_TYPES, companyStatuses: [FORMER_CLIENT, 3] } };
      const refused = await runNamedJob(tdb, 'restore-reactivated', { companyTypes: ALL_TYPES, companyStatuses: [1, 3] }, 'apply', {
        settings: { ...TEST_SETTINGS, allowStatuses: [3, FORMER_CLIENT], configuredJobs },
      });
      expect(refused.outcome).toBe('refused');
      expect(refused.refusal!.problems.join(' ')).toContain('companyStatuses: 3 is a status revoke-inactive is configured to revoke');
      expect(refused.changed).toBe(0);
    }, SLOW);
  });

  describe(`set-company-portal agrees with the other portal jobs, on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);

    it('refuses a company in a status ConnectWise marks inactive with exit 5; --allow-status lets it through', async () => {
      const tdb = await seeded();
      const company = await tdb.db.selectFrom('dbo.Company').select('Company_RecID').where('Company_ID', '=', CLIENT).executeTakeFirstOrThrow();
      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: FORMER_CLIENT }).where('Company_RecID', '=', company.Company_RecID).execute();
      const before = await dboChecksum(tdb.db);
      const args = ['set-company-portal', '--level', '6', '--company', CLIENT, '--yes'];
      const refused = await runCliInProcess(args, { CW_DB_URL: tdb.url });
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr).toContain(`companyId: ${CLIENT} is in status 7 (Former Client), which ConnectWise marks inactive`);
      expect(refused.stderr).toContain('--allow-status 7');
      expect(await dboChecksum(tdb.db)).toBe(before);
      const allowed = await runCliInProcess([...args, '--allow-status', '7'], { CW_DB_URL: tdb.url });
      expect(allowed.code, allowed.stderr).toBe(0);
    }, SLOW);
  });
}
