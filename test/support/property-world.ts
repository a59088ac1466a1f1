import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { createConnectWiseSchema, type FixtureLayout } from '../../src/fixture/create-schema.js';
import { withIdentityInsert } from '../../src/fixture/identity-insert.js';
import { migrateToLatest } from '../../src/journal/migrator.js';

/**
 * Small ConnectWise worlds for the property tests (fast-check), and one database they are loaded
 * into again and again: a reset empties the tables and inserts the next world, no new database.
 * The generators cover what the fixture does not: NULL levels and flags, companies with several
 * types, with no status row or no type row, Company_IDs that differ only in letter case, and
 * RecIDs near -2^31 and 2^31 - 1.
 */
export interface World {
  layout: FixtureLayout;
  statuses: Array<{ id: number; inactive: boolean }>;
  types: number[];
  /** status: an index into statuses, or null (no status row: the scripts' INNER JOIN leaves it out). types: indexes into types (none: no type row). */
  companies: Array<{ id: number; companyId: string; status: number | null; types: number[] }>;
  contacts: Contact[];
}

export interface Contact {
  id: number;
  company: number | null;
  primary: boolean | null;
  billing: boolean | null;
  inactive: boolean | null;
  level: number | null;
  disabled: boolean | null;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** RecIDs of every size a ConnectWise database may hold; parameters only take positive ones. */
const recId = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: INT_MAX - 3, max: INT_MAX }), fc.integer({ min: 41, max: INT_MAX - 4 }));
const contactRecId = fc.oneof(recId, fc.integer({ min: INT_MIN, max: INT_MIN + 3 }), fc.integer({ min: -40, max: 0 }));
const flag = fc.constantFrom(true, false, null);
/** Company_IDs that meet on SQL Server (case-insensitive) and not on PostgreSQL. */
export const COMPANY_IDS = ['ACME', 'Acme', 'acme', "O'Brien", 'Beta', 'BETA'] as const;

export function worldArb(layout: FixtureLayout): fc.Arbitrary<World> {
  return fc
    .record({
      statuses: fc.uniqueArray(fc.record({ id: recId, inactive: fc.boolean() }), { minLength: 1, maxLength: 4, selector: (s) => s.id }),
      types: fc.uniqueArray(recId, { minLength: 1, maxLength: 3 }),
      companyCount: fc.integer({ min: 1, max: 5 }),
    })
    .chain(({ statuses, types, companyCount }) =>
      fc
        .record({
          companies: fc.uniqueArray(
            fc.record({
              id: recId,
              companyId: fc.constantFrom(...COMPANY_IDS),
              status: fc.option(fc.nat({ max: statuses.length - 1 }), { freq: 5 }),
              types: fc.uniqueArray(fc.nat({ max: types.length - 1 }), { maxLength: layout === 'legacy' ? 1 : types.length }),
            }),
            { minLength: companyCount, maxLength: companyCount, selector: (c) => c.id },
          ),
          contacts: fc.uniqueArray(
            fc.record({
              id: contactRecId,
              company: fc.option(fc.nat({ max: companyCount - 1 }), { freq: 8 }),
              primary: flag,
              billing: flag,
              inactive: flag,
              level: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 5 }),
              disabled: flag,
            }),
            { maxLength: 8, selector: (c) => c.id },
          ),
        })
        .map(({ companies, contacts }) => ({ layout, statuses, types, companies, contacts })),
    );
}

/** One database for a whole property run: the ConnectWise schema of `layout` and cw-maint's tables. */
export async function openPropertyDatabase(layout: FixtureLayout, handle?: DatabaseHandle): Promise<DatabaseHandle> {
  const h = handle ?? (await openDatabase(parseConnectionSpec('pglite:memory', 'property tests'), { poolSize: 1 }));
  await createConnectWiseSchema(h.db, h.adapter, { layout });
  const { error } = await migrateToLatest(h.db, h.adapter, 'cw_maint');
  if (error) throw error;
  return h;
}

/** Empties every table (children first) and inserts `world`. Audit columns get one fixed stamp. */
export async function loadWorld(h: DatabaseHandle, world: World): Promise<void> {
  const db = h.db as Kysely<any>;
  const tables = ['cw_maint.journal', 'cw_maint.run', 'dbo.Contact', ...(world.layout === 'many-to-many' ? ['dbo.Company_Company_Type'] : []), 'dbo.Company', 'dbo.Company_Type', 'dbo.Company_Status'];
  if (h.adapter.engine === 'postgres') {
    // One statement (PGlite pays per statement); SQL Server refuses TRUNCATE on a table a foreign key points to.
    await sql`TRUNCATE ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
  } else {
    for (const table of tables) await sql`DELETE FROM ${sql.table(table)}`.execute(db);
  }
  const insert = async (table: string, rows: Array<Record<string, unknown>>, identity = true) => {
    if (!rows.length) return;
    const run = (conn: Kysely<any>) => conn.insertInto(table).values(rows).execute();
    await (identity ? withIdentityInsert[h.adapter.engine](db, table, run) : run(db));
  };
  await insert('dbo.Company_Status', world.statuses.map((s, i) => ({ Company_Status_RecID: s.id, Description: `Status ${i}`, Default_Flag: i === 0, Inactive_Flag: s.inactive })));
  await insert('dbo.Company_Type', world.types.map((id, i) => ({ Company_Type_RecID: id, Description: `Type ${i}` })));
  await insert(
    'dbo.Company',
    world.companies.map((c, i) => ({
      Company_RecID: c.id,
      Company_ID: c.companyId,
      Company_Name: `Company ${i}`,
      Company_Status_RecID: c.status === null ? null : world.statuses[c.status]!.id,
      ...(world.layout === 'legacy' ? { Company_Type_RecID: c.types.length ? world.types[c.types[0]!]! : null } : {}),
    })),
  );
  if (world.layout === 'many-to-many') {
    await insert('dbo.Company_Company_Type', world.companies.flatMap((c) => c.types.map((t) => ({ Company_RecID: c.id, Company_Type_RecID: world.types[t]! }))), false);
  }
  const stamp = new Date(Date.UTC(2024, 0, 1));
  await insert(
    'dbo.Contact',
    world.contacts.map((c, i) => ({
      Contact_RecID: c.id,
      Company_RecID: c.company === null ? null : world.companies[c.company]!.id,
      First_Name: `First ${i}`,
      Last_Name: `Last ${i}`,
      Default_Flag: c.primary,
      Default_Billing_Flag: c.billing,
      Inactive_Flag: c.inactive,
      Portal_Security_Level: c.level,
      Disable_Flag: c.disabled,
      Last_Update: stamp,
      Last_Update_UTC: stamp,
      Updated_By: 'import',
    })),
  );
}

/** Every Contact column but the audit ones, flags as 0/1, in RecID order: what "unchanged" compares. */
export async function contactState(h: DatabaseHandle) {
  const { rows } = await sql<Record<string, unknown>>`SELECT ${sql.ref('Contact_RecID')}, ${sql.ref('Company_RecID')}, ${sql.ref('First_Name')}, ${sql.ref('Last_Name')},
    cast(${sql.ref('Default_Flag')} as int) AS d, cast(${sql.ref('Default_Billing_Flag')} as int) AS b, cast(${sql.ref('Inactive_Flag')} as int) AS i,
    ${sql.ref('Portal_Security_Level')}, cast(${sql.ref('Disable_Flag')} as int) AS x
    FROM ${sql.table('dbo.Contact')} ORDER BY ${sql.ref('Contact_RecID')}`.execute(h.db);
  return rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v))).join('|'));
}
