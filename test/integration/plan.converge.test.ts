import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { GuardRefusedError } from '../../src/errors.js';
import { FIXTURE_STATUSES, FIXTURE_TYPES } from '../../src/fixture/generate.js';
import { scheduleEntries } from '../../src/scheduler/schedule-entries.js';
import { runSchedulerService } from '../../src/scheduler/service.js';
import { loadJobsConfig } from '../../src/vocabulary/job-params.js';
import { runCliInProcess } from '../support/cli.js';
import { oldRestoreReactivated } from '../support/old-restore-reactivated.js';
import { runNamedJob, silentLog, writeConfig } from '../support/run.js';
import { testDatabases } from '../support/test-database.js';

/**
 * `plan` proves the configured jobs converge (issue 21): it names two jobs that would undo each
 * other's changes on every run, from the job files alone on a fresh fixture where neither has run,
 * and from the journal once one has; a scheduled apply of such a pair does not start.
 */
const REGISTRY = [...JOBS, oldRestoreReactivated];
const ALL_TYPES = FIXTURE_TYPES.map((t) => t.id);
const ACTIVE = FIXTURE_STATUSES.filter((s) => !s.inactive).map((s) => s.id);
/** In the small many-to-many fixture: a client (status 1, types 1 and 5). */
const CLIENT = 'Co00035';

const plan = (url: string, config: unknown, extra: string[] = []) => runCliInProcess(['plan', '--json', '--config', writeConfig(config), ...extra], { CW_DB_URL: url }, { jobs: REGISTRY });

/** Babelfish under load needs minutes for a fixture and a few plans; PostgreSQL takes seconds. */
const SLOW = 300_000;

for (const engine of inject('engines')) {
  describe(`plan checks that the configured jobs converge, on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);

    it('names revoke-inactive-contacts and the old restore-reactivated from a fresh fixture (exit 5); the new one does not fight it', async () => {
      const tdb = await seeded();
      const old = await plan(tdb.url, { jobs: { 'revoke-inactive-contacts': { companyTypes: ALL_TYPES }, 'old-restore-reactivated': { companyTypes: ALL_TYPES, companyStatuses: ACTIVE } } });
      expect(old.code, old.stderr).toBe(5);
      const fights = JSON.parse(old.stdout).fights;
      expect(fights).toEqual([expect.objectContaining({ jobs: ['revoke-inactive-contacts', 'old-restore-reactivated'], seen: 'effects', allowed: false })]);
      expect(fights[0].count).toBeGreaterThan(0);
      expect(fights[0].reason).toContain('old-restore-reactivated re-enables what revoke-inactive-contacts disables');

      const now = await plan(tdb.url, { jobs: { 'revoke-inactive-contacts': { companyTypes: ALL_TYPES }, 'restore-reactivated': { companyTypes: ALL_TYPES, companyStatuses: ACTIVE } } });
      expect(now.code, now.stderr).toBe(0);
      expect(JSON.parse(now.stdout).fights).toEqual([]);
    }, SLOW);

    it('names set-primary-portal at 6 and set-company-portal at 3 on the same primary contact; not with onlyUnset; allowFights lets the pair through', async () => {
      const tdb = await seeded();
      const jobs = { 'set-primary-portal': { level: 6, companyTypes: [1], companyStatuses: [1] }, 'set-company-portal': { level: 3, companyId: CLIENT } };
      const r = await plan(tdb.url, { jobs });
      expect(r.code, r.stderr).toBe(5);
      const fights = JSON.parse(r.stdout).fights;
      expect(fights).toEqual([expect.objectContaining({ jobs: ['set-primary-portal', 'set-company-portal'], seen: 'effects', count: 1, allowed: false })]);
      const text = await runCliInProcess(['plan', '--config', writeConfig({ jobs })], { CW_DB_URL: tdb.url });
      expect(text.stdout).toMatch(/FIGHT: set-primary-portal and set-company-portal \(from what the jobs declare\)/);
      expect(text.stdout).toContain('"allowFights": [["set-primary-portal", "set-company-portal"]]');

      const unset = await plan(tdb.url, { jobs: { ...jobs, 'set-company-portal': { ...jobs['set-company-portal'], onlyUnset: true } } });
      expect(JSON.parse(unset.stdout).fights).toEqual([]);
      const allowed = await plan(tdb.url, { jobs, allowFights: [['set-company-portal', 'set-primary-portal']] });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout).fights).toEqual([expect.objectContaining({ allowed: true })]);
    }, SLOW);

    it('from the journal: after revoke-inactive-contacts ran, names the pair with the count, and puts those rows in the report', async () => {
      const tdb = await seeded();
      const revoked = await runNamedJob(tdb, 'revoke-inactive-contacts', { companyTypes: ALL_TYPES }, 'apply');
      const restore = { companyTypes: ALL_TYPES, companyStatuses: ACTIVE };
      const planned = await runNamedJob(tdb, 'old-restore-reactivated', restore, 'dry-run');
      expect(planned.plan.changed).toBeGreaterThan(0);
      expect(planned.plan.changed).toBeLessThanOrEqual(revoked.changed);
      const report = join(mkdtempSync(join(tmpdir(), 'cwm-fight-')), 'plan.jsonl');
      const r = await plan(tdb.url, { jobs: { 'revoke-inactive-contacts': { companyTypes: ALL_TYPES }, 'old-restore-reactivated': restore } }, ['--report', report]);
      expect(r.code, r.stderr).toBe(5);
      const journal = JSON.parse(r.stdout).fights.find((f: { seen: string }) => f.seen === 'journal');
      expect(journal).toMatchObject({ jobs: ['revoke-inactive-contacts', 'old-restore-reactivated'], count: planned.plan.changed });
      const rows = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const takingBack = rows.filter((row) => row.takesBack === 'revoke-inactive-contacts');
      expect(takingBack).toHaveLength(planned.plan.changed);
      expect(takingBack.every((row) => row.job === 'old-restore-reactivated' && row.oldValue === 1 && row.newValue === 0)).toBe(true);
    }, SLOW);

    it('two jobs that set the same value are not order-dependent; notes count every planned row, not only the listed ones', async () => {
      const tdb = await seeded();
      const same = await plan(tdb.url, { jobs: { 'revoke-inactive': { companyTypes: ALL_TYPES, companyStatuses: [2, 7] }, 'revoke-inactive-contacts': { companyTypes: ALL_TYPES } } });
      expect(same.code, same.stderr).toBe(0);
      const sameResult = JSON.parse(same.stdout);
      expect(sameResult.overlapCount).toBeGreaterThan(0);
      expect(sameResult.notes).toEqual([]);

      const statuses = FIXTURE_STATUSES.map((s) => s.id);
      const report = join(mkdtempSync(join(tmpdir(), 'cwm-notes-')), 'plan.jsonl');
      const config = {
        allowStatuses: statuses,
        maxPercent: 100,
        jobs: { 'set-primary-portal': { level: 6, companyTypes: ALL_TYPES, companyStatuses: statuses }, 'set-billing-portal': { level: 2, companyTypes: ALL_TYPES, companyStatuses: statuses } },
      };
      const r = await plan(tdb.url, config, ['--report', report]);
      const result = JSON.parse(r.stdout);
      const rows = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const byContact = new Map<number, Set<string>>();
      for (const row of rows) byContact.set(row.contactRecId, (byContact.get(row.contactRecId) ?? new Set()).add(row.job));
      const both = [...byContact.values()].filter((jobs) => jobs.size === 2).length;
      expect(both).toBeGreaterThan(0);
      expect(result.notes).toEqual([expect.stringContaining(`set-primary-portal and set-billing-portal both change Portal_Security_Level of ${both} contact(s), to different values`)]);
      // set-billing-portal only takes contacts still at 0 (its default): no fight.
      expect(result.fights).toEqual([]);
    }, SLOW);

    it('a scheduled apply of a fighting pair does not start (exit 5) unless allowFights names it; dry-run entries never fight', async () => {
      const tdb = await seeded();
      const scheduled = { schedule: '0 30 4 * * *', mode: 'apply' };
      const jobs = { 'set-primary-portal': { level: 6, companyTypes: [1], companyStatuses: [1], ...scheduled }, 'set-company-portal': { level: 3, companyId: CLIENT, ...scheduled } };
      const refused = await runCliInProcess(['schedule', '--config', writeConfig({ jobs })], { CW_DB_URL: tdb.url });
      expect(refused.code, refused.stderr).toBe(5);
      expect(refused.stderr).toContain('set-primary-portal and set-company-portal');

      const start = async (config: unknown) => {
        const loaded = loadJobsConfig(writeConfig(config), JOBS).config;
        return runSchedulerService({ spec: parseConnectionSpec(tdb.url), config: loaded, entries: scheduleEntries(loaded, JOBS), log: silentLog, stop: Promise.resolve() });
      };
      await expect(start({ jobs })).rejects.toBeInstanceOf(GuardRefusedError);
      await expect(start({ jobs, allowFights: [['set-primary-portal', 'set-company-portal']] })).resolves.toBeUndefined();
      await expect(start({ jobs: { ...jobs, 'set-company-portal': { ...jobs['set-company-portal'], mode: 'dry-run' } } })).resolves.toBeUndefined();
    }, SLOW);

    it('allowFights must name known jobs (exit 2)', async () => {
      const tdb = await seeded();
      const r = await runCliInProcess(['plan', '--config', writeConfig({ jobs: { 'revoke-inactive': { companyTypes: [1], companyStatuses: [2] } }, allowFights: [['revoke-inactive', 'set-primry-portal']] })], { CW_DB_URL: tdb.url });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('allowFights.0.1: no such job "set-primry-portal"');
    }, SLOW);
  });
}
