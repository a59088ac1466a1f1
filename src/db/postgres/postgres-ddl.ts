import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { EngineDdl } from '../engine/engine-adapter.js';
import { postgresGrants } from './postgres-grants.js';
import { postgresScript } from './postgres-script.js';

export const postgresDdl: EngineDdl = {
  types: {
    bool: 'boolean',
    text: 'text',
    timestamp: 'timestamp',
    shortText: (length: number) => sql`varchar(${sql.raw(String(length))})`,
  },
  identity: (column: ColumnDefinitionBuilder) => column.generatedByDefaultAsIdentity(),
  async renameTable(db, schema, from, to) {
    await sql`ALTER TABLE ${sql.table(`${schema}.${from}`)} RENAME TO ${sql.id(to)}`.execute(db);
  },
  async dropForeignKeys(db, schema, table) {
    const qualified = `${schema}.${table}`.replace(/'/g, "''");
    await sql.raw(`DO $$ DECLARE c text; BEGIN
  FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '${qualified}'::regclass AND contype = 'f' LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', '${qualified}'::regclass, c);
  END LOOP;
END $$`).execute(db);
  },
  async widenTextColumn(db, table, column, length) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE varchar(${sql.raw(String(length))})`.execute(db);
  },

  async createSchemaIfMissing(db: Kysely<any>, schema: string) {
    await db.schema.createSchema(schema).ifNotExists().execute();
  },

  script: postgresScript,
  grants: postgresGrants,
};
