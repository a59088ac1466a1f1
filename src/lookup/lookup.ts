import { sql, type Kysely } from 'kysely';
import type { DatabaseHandle } from '../db/connect.js';
import type { Layout } from '../db/model/layout.js';
import type { Database } from '../db/model/schema.js';
import { SchemaCheckError } from '../errors.js';
import { assertCanRun, preflight } from '../preflight/preflight.js';

export interface StatusRow {
  recId: number;
  description: string | null;
  inactive: boolean | null;
  companies: number;
  contacts: number;
}

export interface TypeRow {
  recId: number;
  description: string | null;
  companies: number;
  /** Contacts at those companies (a contact whose company has several types counts once per type). */
  contacts: number;
}

export interface LevelRow {
  level: number | null;
  name: string | null;
  /** Companies with at least one contact at this level. */
  companies: number;
  contacts: number;
}

export interface Levels {
  /** The table the names came from, or null when ConnectWise keeps them elsewhere (Setup Tables > Portal Security). */
  source: string | null;
  levels: LevelRow[];
}

/** The layout of this database, checked as every run checks it (read-only: no migrations needed). */
export async function layoutOf(handle: DatabaseHandle, journalSchema: string): Promise<Layout> {
  const report = await preflight(handle, [], journalSchema);
  assertCanRun(report, 'lookup', 'dry-run');
  if (!report.schema.layout) throw new SchemaCheckError('The ConnectWise schema matches no known layout; run `npm run migrations-check` for the report.');
  return report.schema.layout;
}

/** Company statuses with ConnectWise's inactive flag, and how many companies and contacts have each. */
export async function lookupStatuses(db: Kysely<Database>): Promise<StatusRow[]> {
  const rows = await db
    .selectFrom('dbo.Company_Status as s')
    .select((eb) => [
      's.Company_Status_RecID as recId',
      's.Description as description',
      's.Inactive_Flag as inactive',
      eb.selectFrom('dbo.Company as co').select(sql<number>`cast(count(*) as int)`.as('n')).whereRef('co.Company_Status_RecID', '=', 's.Company_Status_RecID').as('companies'),
      eb
        .selectFrom('dbo.Contact as c')
        .innerJoin('dbo.Company as co', 'co.Company_RecID', 'c.Company_RecID')
        .select(sql<number>`cast(count(*) as int)`.as('n'))
        .whereRef('co.Company_Status_RecID', '=', 's.Company_Status_RecID')
        .as('contacts'),
    ])
    .orderBy('s.Company_Status_RecID')
    .execute();
  return rows.map((r) => ({ recId: Number(r.recId), description: r.description, inactive: r.inactive === null ? null : Boolean(r.inactive), companies: Number(r.companies), contacts: Number(r.contacts) }));
}

/** Company types and how many companies and contacts have each (through Company_Company_Type on 2016.3 and later). */
export async function lookupTypes(db: Kysely<Database>, layout: Layout): Promise<TypeRow[]> {
  const count = sql<number>`cast(count(*) as int)`.as('n');
  const companies: Record<Layout, (eb: any) => any> = {
    legacy: (eb) => eb.selectFrom('dbo.Company as co').select(count).whereRef('co.Company_Type_RecID', '=', 't.Company_Type_RecID'),
    'many-to-many': (eb) => eb.selectFrom('dbo.Company_Company_Type as cct').select(count).whereRef('cct.Company_Type_RecID', '=', 't.Company_Type_RecID'),
  };
  const contacts: Record<Layout, (eb: any) => any> = {
    legacy: (eb) =>
      eb.selectFrom('dbo.Contact as c').innerJoin('dbo.Company as co', 'co.Company_RecID', 'c.Company_RecID').select(count).whereRef('co.Company_Type_RecID', '=', 't.Company_Type_RecID'),
    'many-to-many': (eb) =>
      eb
        .selectFrom('dbo.Contact as c')
        .innerJoin('dbo.Company_Company_Type as cct', 'cct.Company_RecID', 'c.Company_RecID')
        .select(count)
        .whereRef('cct.Company_Type_RecID', '=', 't.Company_Type_RecID'),
  };
  const rows = await db
    .selectFrom('dbo.Company_Type as t')
    .select((eb) => ['t.Company_Type_RecID as recId', 't.Description as description', companies[layout](eb).as('companies'), contacts[layout](eb).as('contacts')])
    .orderBy('t.Company_Type_RecID')
    .execute();
  return rows.map((r) => ({ recId: Number(r.recId), description: r.description, companies: Number(r.companies), contacts: Number(r.contacts) }));
}

/**
 * Portal security levels: how many contacts hold each, and their names where ConnectWise keeps them
 * in a table of this database (found through INFORMATION_SCHEMA: a dbo table named like
 * Portal_Security with an integer level and a text name).
 */
export async function lookupLevels(db: Kysely<Database>): Promise<Levels> {
  const counts = await db
    .selectFrom('dbo.Contact')
    .select([
      'Portal_Security_Level as level',
      sql<number>`cast(count(*) as int)`.as('contacts'),
      sql<number>`cast(count(DISTINCT ${sql.ref('Company_RecID')}) as int)`.as('companies'),
    ])
    .groupBy('Portal_Security_Level')
    .orderBy('Portal_Security_Level')
    .execute();
  const names = await levelNames(db);
  const levels = new Map<number | null, LevelRow>();
  for (const level of [0, 1, 2, 3, 4, 5, 6]) levels.set(level, { level, name: names?.names.get(level) ?? null, companies: 0, contacts: 0 });
  for (const c of counts) {
    const level = c.level === null ? null : Number(c.level);
    levels.set(level, { level, name: level === null ? null : (names?.names.get(level) ?? null), companies: Number(c.companies), contacts: Number(c.contacts) });
  }
  return { source: names?.table ?? null, levels: [...levels.values()].sort((a, b) => (a.level ?? -1) - (b.level ?? -1)) };
}

async function levelNames(db: Kysely<Database>): Promise<{ table: string; names: Map<number, string> } | undefined> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, DATA_TYPE AS data_type FROM INFORMATION_SCHEMA.COLUMNS
    WHERE LOWER(TABLE_SCHEMA) = 'dbo' AND LOWER(TABLE_NAME) LIKE '%portal%secur%'`.execute(db);
  const tables = [...new Set(rows.map((r) => r.table_name))].sort();
  for (const table of tables) {
    const columns = rows.filter((r) => r.table_name === table);
    const level = columns.find((c) => /level/i.test(c.column_name) && /int/i.test(c.data_type)) ?? columns.find((c) => /recid/i.test(c.column_name) && /int/i.test(c.data_type));
    const name = columns.find((c) => /^(description|name|level_name|portal_security_level_name)$/i.test(c.column_name));
    if (!level || !name) continue;
    const found = await db
      .selectFrom(`dbo.${table}` as never)
      .select([sql.ref(level.column_name).as('level'), sql.ref(name.column_name).as('name')])
      .execute();
    return { table: `dbo.${table}`, names: new Map(found.map((r: { level: unknown; name: unknown }) => [Number(r.level), String(r.name)])) };
  }
  return undefined;
}
