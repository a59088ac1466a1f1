import { sql, type Kysely } from 'kysely';
import type { TestEngine } from './engines.js';

/** Test-only DDL to break a schema on purpose, per engine. */
export async function renameColumn(db: Kysely<any>, engine: TestEngine, table: string, column: string, to: string) {
  const [schema, name] = table.split('.') as [string, string];
  if (engine.engine === 'postgres') {
    await sql`ALTER TABLE ${sql.table(table)} RENAME COLUMN ${sql.ref(column)} TO ${sql.ref(to)}`.execute(db);
  } else {
    await sql`EXEC sp_rename ${`${schema}.${name}.${column}`}, ${to}, 'COLUMN'`.execute(db);
  }
}

export async function retypeColumnToText(db: Kysely<any>, engine: TestEngine, table: string, column: string) {
  if (engine.engine === 'postgres') {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} TYPE varchar(20) USING ${sql.ref(column)}::text`.execute(db);
  } else {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(column)} nvarchar(20)`.execute(db);
  }
}

/** Runs `fn` in a transaction that is always rolled back (DDL is transactional on both engines). */
export async function inRolledBackTransaction(db: Kysely<any>, fn: (trx: Kysely<any>) => Promise<void>) {
  const rollback = new Error('rollback');
  await db
    .transaction()
    .execute(async (trx) => {
      await fn(trx);
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
}
