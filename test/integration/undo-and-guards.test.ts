import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import { undoRun, type UndoRequest } from '../../src/run/undo/undo-run.js';
import { UsageError } from '../../src/errors.js';
import { runCliInProcess } from '../support/cli.js';
import { contactRows, dboChecksum, seededDatabase, type TestDatabase, testDatabases } from '../support/test-database.js';
import { journalRows, runNamedJob, runRows, silentLog, TEST_SETTINGS } from '../support/run.js';

const REVOKE = { companyTypes: [1, 9], companyStatuses: [2, 7] };
const REVOKE_ARGS = ['revoke-inactive', '--types', '1,9', '--statuses', '2,7'];

function undo(tdb: TestDatabase, runId: number, extra: Partial<UndoRequest> = {}) {
  return undoRun(tdb, { runId, mode: 'apply', force: false, trigger: 'manual', settings: TEST_SETTINGS, log: silentLog, ...extra });
}

/** Touches a contact as ConnectWise's own UI would: another column, and the audit stamp. */
async function editByHand(tdb: TestDatabase, contactRecId: number) {
  await tdb.db
    .updateTable('dbo.Contact')
    .set({ First_Name: 'Edited', Updated_By: 'technician', Last_Update: new Date(Date.now() + 60_000) })
    .where('Contact_RecID', '=', contactRecId)
    .execute();
}

for (const engine of inject('engines')) {
  describe(`undo, the complete journal and the guards on ${engine.name}`, () => {
    const { seeded: fresh } = testDatabases(engine);

    it('apply then undo restores every column except the audit columns, which show the undo; undo of the undo restores the apply', async () => {
      const tdb = await fresh();
      const start = await contactRows(tdb.db);
      const startAudit = await contactRows(tdb.db, { audit: true });
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect(applied.changed).toBeGreaterThan(0);
      const afterApply = await contactRows(tdb.db);
      // The journal holds the audit columns before and right after.
      const journal = await journalRows(tdb);
      expect(journal.every((j) => j.old_updated_by === 'import' && j.new_updated_by === TEST_SETTINGS.updatedBy && j.new_last_update !== null)).toBe(true);

      const undone = await undo(tdb, applied.runId!);
      expect(undone.restored).toBe(applied.changed);
      expect(undone.plan.conflicts).toBe(0);
      expect(await contactRows(tdb.db)).toEqual(start);
      const audit = await contactRows(tdb.db, { audit: true });
      const changedIds = new Set(journal.map((j) => j.contact_recid));
      for (const [i, row] of audit.entries()) {
        if (changedIds.has(row.Contact_RecID)) {
          expect(row.Updated_By).toBe(`${TEST_SETTINGS.updatedBy}:undo ${applied.runId}`);
          expect(row.Last_Update).not.toEqual(startAudit[i]!.Last_Update);
        } else {
          expect(row).toEqual(startAudit[i]);
        }
      }
      const again = await undo(tdb, undone.runId!);
      expect(again.restored).toBe(applied.changed);
      expect(await contactRows(tdb.db)).toEqual(afterApply);
      const runs = await runRows(tdb);
      expect(runs.map((r) => [r.mode, r.undo_of_run_id])).toEqual([
        ['apply', null],
        ['undo', applied.runId],
        ['undo', undone.runId],
      ]);
    });

    it('undo where row locks escalate (SQL Server) restores in batches of batchSize, two round trips each, with the same result as one batch', async () => {
      const whole = await fresh();
      const batched = await fresh();
      const [a, b] = [await runNamedJob(whole, 'revoke-inactive', REVOKE, 'apply'), await runNamedJob(batched, 'revoke-inactive', REVOKE, 'apply')];
      const sentBefore = [whole.statementsSent(), batched.statementsSent()];
      const one = await undo(whole, a.runId!);
      const many = await undo(batched, b.runId!, { settings: { ...TEST_SETTINGS, batchSize: 3 } });
      const sent = [whole.statementsSent() - sentBefore[0]!, batched.statementsSent() - sentBefore[1]!];
      expect(one.restored).toBeGreaterThan(3);
      expect(many.restored).toBe(one.restored);
      expect(await contactRows(batched.db)).toEqual(await contactRows(whole.db));
      // Each batch: its bounds, then its UPDATE; a count that divides evenly ends on an empty bounds query.
      const n = one.restored;
      const batchedStatements = n % 3 === 0 ? 2 * (n / 3) + 1 : 2 * Math.ceil(n / 3);
      expect(sent[1]! - sent[0]!).toBe(engine.engine === 'mssql' ? batchedStatements - 2 : 0);
    });

    it('a row someone changed since (any column, with its audit stamp) is a conflict: left alone and listed, unless --force', async () => {
      const tdb = await fresh();
      const start = await contactRows(tdb.db);
      const first = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      const [x, y] = (await journalRows(tdb)).map((j) => j.contact_recid);
      await editByHand(tdb, x!);
      const dry = await undo(tdb, first.runId!, { mode: 'dry-run' });
      expect(dry.plan).toMatchObject({ conflicts: 1, restorable: first.changed - 1, forcible: 1 });
      expect(dry.plan.conflictPreview.map((r) => r.contactRecId)).toEqual([x]);
      const forced = await undo(tdb, first.runId!, { force: true });
      expect(forced.restored).toBe(first.changed);
      const byId = (rows: Awaited<ReturnType<typeof contactRows>>, id: number) => rows.find((r) => r.Contact_RecID === id)!;
      expect(byId(await contactRows(tdb.db), x!).Disable_Flag).toBe(byId(start, x!).Disable_Flag);

      // Again without --force: the edited row keeps what the run wrote; the others are restored.
      const second = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      await editByHand(tdb, y!);
      const plain = await undo(tdb, second.runId!);
      expect(plain.plan.conflicts).toBe(1);
      expect(plain.restored).toBe(second.changed - 1);
      expect(byId(await contactRows(tdb.db), y!).Disable_Flag).toBe(1);
    });

    it("an audit trigger's own stamp counts as what the run wrote; a later edit it stamps is a conflict", async () => {
      const tdb = await fresh();
      if (engine.engine === 'postgres') {
        await sql.raw(`CREATE FUNCTION dbo.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN NEW."Last_Update" := clock_timestamp(); RETURN NEW; END $$`).execute(tdb.db);
        await sql.raw(`CREATE TRIGGER stamp BEFORE UPDATE ON dbo."Contact" FOR EACH ROW EXECUTE FUNCTION dbo.stamp()`).execute(tdb.db);
      } else {
        await sql.raw(`CREATE TRIGGER dbo.Contact_Stamp ON dbo.Contact AFTER UPDATE AS
          UPDATE c SET Last_Update = SYSDATETIME() FROM dbo.Contact c INNER JOIN inserted i ON i.Contact_RecID = c.Contact_RecID`).execute(tdb.db);
      }
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      const dry = await undo(tdb, applied.runId!, { mode: 'dry-run' });
      expect(dry.plan.conflicts).toBe(0);
      const victim = (await journalRows(tdb))[0]!.contact_recid;
      await new Promise((r) => setTimeout(r, 20));
      // Only another column: the trigger stamps Last_Update, and that is enough to see it.
      await tdb.db.updateTable('dbo.Contact').set({ First_Name: 'Renamed' }).where('Contact_RecID', '=', victim).execute();
      const after = await undo(tdb, applied.runId!, { mode: 'dry-run' });
      expect(after.plan.conflicts).toBe(1);
      expect(after.plan.conflictPreview[0]!.contactRecId).toBe(victim);
    });

    it('a run journaled before the audit columns were recorded can still be undone, its conflicts seen on the column only, and the plan says so', async () => {
      const tdb = await fresh();
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      // As a run journaled by the previous journal version left it.
      await tdb.db.updateTable('cw_maint.run').set({ journal_version: null }).where('run_id', '=', applied.runId!).execute();
      await tdb.db.updateTable('cw_maint.journal').set({ new_last_update: null, new_last_update_utc: null, new_updated_by: null }).where('run_id', '=', applied.runId!).execute();
      const [x] = (await journalRows(tdb)).map((j) => j.contact_recid);
      await editByHand(tdb, x!); // audit columns only: not visible without them
      const dry = await undoRun(tdb, { runId: applied.runId!, mode: 'dry-run', force: false, trigger: 'manual', settings: TEST_SETTINGS, log: silentLog });
      expect(dry.plan.auditChecked).toBe(false);
      expect(dry.plan.conflicts).toBe(0);
      const text = await runCliInProcess(['undo', String(applied.runId), '--dry-run'], { CW_DB_URL: tdb.url });
      expect(text.stdout).toContain('was journaled before cw-maint recorded the audit columns: conflicts are detected on Disable_Flag only');
      const done = await undo(tdb, applied.runId!);
      expect(done.restored).toBe(applied.changed);
    });

    it('undo of an unknown run, a dry run, a refused run or a run already undone exits 2', async () => {
      const tdb = await fresh();
      const env = { CW_DB_URL: tdb.url };
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      const refused = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', { settings: { ...TEST_SETTINGS, maxChanges: 1 } });
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      expect((await runCliInProcess(['undo', String(applied.runId), '--yes'], env)).code).toBe(0);
      const before = await dboChecksum(tdb.db);
      for (const [id, text] of [
        [9999, 'There is no run 9999'],
        [dry.runId, 'is a dry run'],
        [refused.runId, 'was refused'],
        [applied.runId, `was already undone by run`],
      ] as const) {
        const r = await runCliInProcess(['undo', String(id), '--yes'], env);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain(text);
      }
      expect(await dboChecksum(tdb.db)).toBe(before);
      await expect(undo(tdb, 9999)).rejects.toThrow(UsageError);
    });

    it('over-limit plans (count and percent) change nothing and exit 5, naming the flag that lets one run through', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const count = await runCliInProcess([...REVOKE_ARGS, '--yes', '--max-changes', '1'], { CW_DB_URL: tdb.url });
      expect(count.code).toBe(5);
      expect(count.stderr).toMatch(/rows would change, more than maxChanges \(1\).*--max-changes N/);
      const percent = await runCliInProcess([...REVOKE_ARGS, '--yes', '--max-percent', '1'], { CW_DB_URL: tdb.url });
      expect(percent.code).toBe(5);
      expect(percent.stderr).toMatch(/of \d+ contacts \([\d.]+%\) would change, more than maxPercent \(1%\).*--max-percent \d+/);
      expect(await dboChecksum(tdb.db)).toBe(before);
      const through = await runCliInProcess([...REVOKE_ARGS, '--yes', '--max-percent', '100'], { CW_DB_URL: tdb.url });
      expect(through.code, through.stderr).toBe(0);
    });

    it('a portal job for a status ConnectWise marks inactive exits 5; --allow-status lets it through', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const args = ['set-primary-portal', '--level', '2', '--types', '1,9', '--statuses', '1,2', '--yes'];
      const refused = await runCliInProcess(args, { CW_DB_URL: tdb.url });
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain('companyStatuses: 2 (Inactive) is marked inactive in ConnectWise');
      expect(refused.stderr).toContain('--allow-status 2');
      expect(await dboChecksum(tdb.db)).toBe(before);
      const allowed = await runCliInProcess([...args, '--allow-status', '2', '--ticket', 'CHG-42'], { CW_DB_URL: tdb.url });
      expect(allowed.code, allowed.stderr).toBe(0);
      const history = await runCliInProcess(['history', '--limit', '1'], { CW_DB_URL: tdb.url });
      expect(history.stdout).toContain('ticket CHG-42');
    });

    it('the plan of a portal job counts inactive contacts; --skip-inactive-contacts leaves them out', async () => {
      const tdb = await fresh();
      const all = await runNamedJob(tdb, 'set-company-portal', { level: 6, companyId: 'Co00004' }, 'dry-run');
      const skip = await runNamedJob(tdb, 'set-company-portal', { level: 6, companyId: 'Co00004', skipInactiveContacts: true }, 'dry-run');
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table('dbo.Contact')} c INNER JOIN ${sql.table('dbo.Company')} co ON co.${sql.ref('Company_RecID')} = c.${sql.ref('Company_RecID')}
        WHERE co.${sql.ref('Company_ID')} = ${'Co00004'} AND c.${sql.ref('Inactive_Flag')} = ${true} AND (c.${sql.ref('Portal_Security_Level')} IS NULL OR c.${sql.ref('Portal_Security_Level')} <> 6)`.execute(tdb.db);
      expect(all.plan.inactiveContacts).toBe(Number(rows[0]!.n));
      expect(skip.plan.changed).toBe(all.plan.changed - all.plan.inactiveContacts!);
      expect(skip.plan.inactiveContacts).toBe(0);
    });

    it('restore-reactivated re-enables exactly the contacts revoke-inactive disabled whose company is active again, never a hand-disabled or inactive one', async () => {
      const tdb = await fresh();
      const revoked = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
      const disabled = (await journalRows(tdb)).map((j) => j.contact_recid);
      const companyOf = async (id: number) =>
        (await tdb.db.selectFrom('dbo.Contact').select('Company_RecID').where('Contact_RecID', '=', id).executeTakeFirstOrThrow()).Company_RecID!;
      // Two companies come back (status 1, active); in one of them a technician touches a contact.
      const backCompanies = [...new Set(await Promise.all(disabled.map(companyOf)))].slice(0, 2);
      await tdb.db.updateTable('dbo.Company').set({ Company_Status_RecID: 1 }).where('Company_RecID', 'in', backCompanies).execute();
      const back = (await Promise.all(disabled.map(async (id) => ((await companyOf(id)) && backCompanies.includes(await companyOf(id)) ? id : null)))).filter((id): id is number => id !== null);
      const [touched, ...rest] = back;
      await editByHand(tdb, touched!);
      // A contact disabled by hand at an active company: never re-enabled.
      const byHand = await tdb.db
        .selectFrom('dbo.Contact')
        .select('Contact_RecID')
        .where('Company_RecID', 'in', backCompanies)
        .where('Contact_RecID', 'not in', disabled)
        .executeTakeFirst();
      if (byHand) await tdb.db.updateTable('dbo.Contact').set({ Disable_Flag: true, Updated_By: 'technician' }).where('Contact_RecID', '=', byHand.Contact_RecID).execute();
      const types = [1, 2, 4, 5, 9];
      const restored = await runNamedJob(tdb, 'restore-reactivated', { companyTypes: types, companyStatuses: [1] }, 'apply');
      const reenabled = (await journalRows(tdb)).filter((j) => j.run_id === restored.runId).map((j) => j.contact_recid).sort((a, b) => a - b);
      // Never a contact ConnectWise marks inactive (an ex-employee stays disabled).
      const inactive = new Set(
        (await tdb.db.selectFrom('dbo.Contact').select('Contact_RecID').where('Inactive_Flag', '=', true).execute()).map((r) => r.Contact_RecID),
      );
      expect(reenabled).toEqual(rest.filter((id) => !inactive.has(id)).sort((a, b) => a - b));
      expect(reenabled.length).toBeGreaterThan(0);
      expect(revoked.changed).toBeGreaterThan(reenabled.length);

      // Undo it: disabled again; the next restore-reactivated leaves them alone (the latest change is the undo).
      await undo(tdb, restored.runId!);
      const again = await runNamedJob(tdb, 'restore-reactivated', { companyTypes: types, companyStatuses: [1] }, 'dry-run');
      expect(again.plan.changed).toBe(0);
    });

    it('show streams every journaled row with its name, Company_ID and value now; the ticket is on the record', async () => {
      const tdb = await fresh();
      const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply', { settings: { ...TEST_SETTINGS, ticket: 'CHG-7' } });
      const r = await runCliInProcess(['show', String(applied.runId), '--json'], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(0);
      const [head, ...rows] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(head.run).toMatchObject({ run_id: applied.runId, ticket: 'CHG-7', mode: 'apply' });
      expect(rows).toHaveLength(applied.changed);
      expect(rows.every((row) => row.column === 'Disable_Flag' && row.newValue === 1 && row.now === 1 && row.companyId)).toBe(true);
      const text = await runCliInProcess(['show', String(applied.runId)], { CW_DB_URL: tdb.url });
      expect(text.stdout).toContain('ticket                         CHG-7');
      expect(text.stdout).toContain(`(${applied.changed} journaled rows)`);
      expect((await runCliInProcess(['show', '9999'], { CW_DB_URL: tdb.url })).code).toBe(2);
    });
  });
}

for (const engine of inject('engines')) {
  describe(`show of a large run on ${engine.name}`, () => {
    it('streams 100,000 journaled rows in a process whose heap is capped at 48 MB (loading them all would not fit)', async () => {
      const tdb = await seededDatabase(engine, { layout: 'legacy', companies: 10 });
      try {
        await tdb.db
          .insertInto('cw_maint.run')
          .values({ job: 'revoke-inactive', mode: 'apply', status: 'succeeded', trigger: 'manual', params: '{}', started_at: new Date(), host: 'h', os_user: 'u' })
          .execute();
        const { run_id: runId } = await tdb.db.selectFrom('cw_maint.run').select('run_id').executeTakeFirstOrThrow();
        const digits = sql`(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9))`;
        await sql`INSERT INTO ${sql.table('cw_maint.journal')} (run_id, contact_recid, column_name, old_value, new_value)
          SELECT ${runId}, a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1, ${'Disable_Flag'}, 0, 1
          FROM ${digits} a(d) CROSS JOIN ${digits} b(d) CROSS JOIN ${digits} c(d) CROSS JOIN ${digits} e(d) CROSS JOIN ${digits} f(d)`.execute(tdb.db);
        const r = await runNodeCounting(['--max-old-space-size=48', 'bin/cw-maint.js', 'show', String(runId), '--json'], { CW_DB_URL: tdb.url });
        expect(r.code, r.stderr.slice(0, 500)).toBe(0);
        expect(r.lines).toBe(100_001);
      } finally {
        await tdb.drop();
      }
    });
  });
}

/** Runs node with `args` in the repository and counts its output lines without keeping them. */
function runNodeCounting(args: string[], env: Record<string, string>): Promise<{ code: number | null; lines: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      for (const byte of d) if (byte === 10) lines++;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines, stderr }));
  });
}
