import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import {  describe, expect, inject, it } from 'vitest';
import { FIXTURE_STATUSES, FIXTURE_TYPES } from '../../src/fixture/generate.js';
import { runCliInProcess } from '../support/cli.js';
import { dboChecksum, type TestDatabase, testDatabases } from '../support/test-database.js';

for (const engine of inject('engines')) {
  describe(`the first run without SSMS on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);
    const fresh = (layout: 'legacy' | 'many-to-many' = 'many-to-many') => seeded({ layout });
    const count = async (tdb: TestDatabase, query: string) => Number((await sql.raw<{ n: number }>(query).execute(tdb.db)).rows[0]!.n);
    const q = (name: string) => (engine.engine === 'postgres' ? name.replace(/\b(dbo)\.(\w+)/g, '"$1"."$2"').replace(/\b([A-Z]\w*_RecID)\b/g, '"$1"') : name);

    for (const layout of ['legacy', 'many-to-many'] as const) {
      it(`lookup statuses, types and levels list this database's RecIDs with their counts (${layout})`, async () => {
        const tdb = await fresh(layout);
        const env = { CW_DB_URL: tdb.url };
        const statuses = JSON.parse((await runCliInProcess(['lookup', 'statuses', '--json'], env)).stdout);
        expect(statuses.map((s: { recId: number }) => s.recId)).toEqual(FIXTURE_STATUSES.map((s) => s.id));
        for (const s of statuses) {
          expect(s.inactive).toBe(FIXTURE_STATUSES.find((f) => f.id === s.recId)!.inactive);
          expect(s.companies).toBe(await count(tdb, q(`SELECT count(*) AS n FROM dbo.Company WHERE Company_Status_RecID = ${s.recId}`)));
          expect(s.contacts).toBe(await count(tdb, q(`SELECT count(*) AS n FROM dbo.Contact c INNER JOIN dbo.Company co ON co.Company_RecID = c.Company_RecID WHERE co.Company_Status_RecID = ${s.recId}`)));
        }
        const types = JSON.parse((await runCliInProcess(['lookup', 'types', '--json'], env)).stdout);
        expect(types.map((t: { recId: number }) => t.recId)).toEqual(FIXTURE_TYPES.map((t) => t.id));
        const link = layout === 'legacy' ? 'dbo.Company WHERE Company_Type_RecID' : 'dbo.Company_Company_Type WHERE Company_Type_RecID';
        for (const t of types) expect(t.companies).toBe(await count(tdb, q(`SELECT count(*) AS n FROM ${link} = ${t.recId}`)));
        const levels = JSON.parse((await runCliInProcess(['lookup', 'levels', '--json'], env)).stdout);
        expect(levels.source).toBeNull();
        expect(levels.levels.reduce((sum: number, l: { contacts: number }) => sum + l.contacts, 0)).toBe(await count(tdb, q('SELECT count(*) AS n FROM dbo.Contact')));
        const text = await runCliInProcess(['lookup', 'levels'], env);
        expect(text.stdout).toContain('Setup Tables > Portal Security');
      });
    }

    it('lookup levels shows the names where ConnectWise keeps them in a table, and says which', async () => {
      const tdb = await fresh();
      await sql`CREATE TABLE ${sql.table('dbo.Portal_Security_Level')} (${sql.ref('Portal_Security_Level')} int NOT NULL, ${sql.ref('Description')} varchar(50) NOT NULL)`.execute(tdb.db);
      await sql`INSERT INTO ${sql.table('dbo.Portal_Security_Level')} VALUES (1, ${'View only'}), (6, ${'Full access'})`.execute(tdb.db);
      const levels = JSON.parse((await runCliInProcess(['lookup', 'levels', '--json'], { CW_DB_URL: tdb.url })).stdout);
      expect(levels.source).toBe('dbo.Portal_Security_Level');
      expect(levels.levels.find((l: { level: number }) => l.level === 6).name).toBe('Full access');
    });

    it('init writes a config from the database (active and inactive statuses, client types), never overwrites one, and plan runs on it', async () => {
      const tdb = await fresh();
      const before = await dboChecksum(tdb.db);
      const file = join(mkdtempSync(join(tmpdir(), 'cwm-init-')), 'cw-maint.config.json');
      const r = await runCliInProcess(['init', '--config', file], { CW_DB_URL: tdb.url });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Wrote ${file}`);
      expect(r.stdout).toContain('Next: npm run job -- plan');
      const config = JSON.parse(readFileSync(file, 'utf8'));
      const active = FIXTURE_STATUSES.filter((s) => !s.inactive).map((s) => s.id);
      const inactive = FIXTURE_STATUSES.filter((s) => s.inactive).map((s) => s.id);
      const clients = FIXTURE_TYPES.filter((t) => /client/i.test(t.description)).map((t) => t.id);
      expect(config.jobs['set-primary-portal']).toMatchObject({ companyStatuses: active, companyTypes: clients });
      expect(config.jobs['revoke-inactive']).toMatchObject({ companyStatuses: inactive, companyTypes: clients });
      expect(config.notes.join('\n')).toMatch(/statuses ConnectWise marks active \(1 Active: \d+ companies, \d+ contacts/);
      const again = await runCliInProcess(['init', '--config', file], { CW_DB_URL: tdb.url });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('never overwrites');
      const plan = await runCliInProcess(['plan', '--config', file], { CW_DB_URL: tdb.url });
      expect([0, 5]).toContain(plan.code);
      expect(plan.stdout).toContain('Plan of every configured job');
      expect(await dboChecksum(tdb.db)).toBe(before);
    });
  });
}

describe('list', () => {
  it('shows every configured job with its effective parameters, schedule, time zone and next run', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cwm-list-')), 'config.json');
    writeFileSync(file, JSON.stringify({ jobs: { 'set-billing-portal': { level: 4, companyTypes: [1], companyStatuses: [1] }, 'revoke-inactive': { companyTypes: [1], companyStatuses: [2], schedule: '0 30 4 * * *', timezone: 'America/Chicago', mode: 'dry-run' } } }));
    const r = await runCliInProcess(['list', '--json', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.find((j: { job: string }) => j.job === 'set-billing-portal')).toMatchObject({ params: { onlyUnset: true, skipInactiveContacts: false }, schedule: null });
    const revoke = rows.find((j: { job: string }) => j.job === 'revoke-inactive');
    expect(revoke).toMatchObject({ schedule: '0 30 4 * * *', timezone: 'America/Chicago', mode: 'dry-run' });
    const next = new Date(revoke.nextRun);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: 'numeric', minute: 'numeric', hour12: false }).format(next)).toBe('04:30');
    expect(existsSync(file)).toBe(true);
  });
});
