import type { Kysely, Migration } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';

/**
 * cw-maint's own tables, in their own schema. Append new migrations; never edit a shipped one.
 * Engine differences (identity, bit/boolean, text types) come from the adapter.
 */
export function cwMaintMigrations(adapter: EngineAdapter, schema: string): Record<string, Migration> {
  const t = adapter.ddl.types;
  return {
    '2026-11-25-001-run-and-journal': {
      async up(db: Kysely<any>) {
        await db.schema
          .withSchema(schema)
          .createTable('run')
          .addColumn('run_id', 'integer', (c) => adapter.ddl.identity(c.notNull().primaryKey()))
          .addColumn('job', t.shortText(100), (c) => c.notNull())
          .addColumn('mode', t.shortText(10), (c) => c.notNull())
          .addColumn('status', t.shortText(10), (c) => c.notNull())
          .addColumn('trigger', t.shortText(10), (c) => c.notNull())
          .addColumn('params', t.text, (c) => c.notNull())
          .addColumn('started_at', t.timestamp, (c) => c.notNull())
          .addColumn('finished_at', t.timestamp)
          .addColumn('matched', 'integer')
          .addColumn('changed', 'integer')
          .addColumn('unchanged', 'integer')
          .addColumn('error', t.text)
          .addColumn('host', t.shortText(255), (c) => c.notNull())
          .addColumn('os_user', t.shortText(255), (c) => c.notNull())
          .addColumn('undo_of_run_id', 'integer')
          .execute();
        await db.schema.withSchema(schema).createIndex('run_job_started').on('run').columns(['job', 'started_at']).execute();

        await db.schema
          .withSchema(schema)
          .createTable('journal')
          .addColumn('run_id', 'integer', (c) => c.notNull().references(`${schema}.run.run_id`))
          .addColumn('contact_recid', 'integer', (c) => c.notNull())
          .addColumn('column_name', t.shortText(128), (c) => c.notNull())
          .addColumn('old_value', 'integer')
          .addColumn('new_value', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('journal_pk', ['run_id', 'contact_recid', 'column_name'])
          .execute();
        // undo and "what happened to this contact" both look rows up by contact.
        await db.schema
          .withSchema(schema)
          .createIndex('journal_contact')
          .on('journal')
          .columns(['contact_recid', 'run_id'])
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.withSchema(schema).dropTable('journal').execute();
        await db.schema.withSchema(schema).dropTable('run').execute();
      },
    },
    '2026-11-26-002-run-status-wider': {
      // 'interrupted' (11 characters): a run found still marked running after its process ended.
      async up(db: Kysely<any>) {
        await adapter.ddl.widenTextColumn(db, `${schema}.run`, 'status', 20);
      },
    },
    '2026-11-26-003-complete-journal': {
      // The journal also keeps the audit columns before and right after each change, so an undo
      // can tell a row someone touched since (whichever column), and new_value may be NULL (an
      // undo that restores a NULL). Rebuilt rather than altered: Babelfish cannot change a
      // column's nullability with ALTER COLUMN. A run carries its change ticket and the version
      // of its journal.
      async up(db: Kysely<any>) {
        await db.schema
          .withSchema(schema)
          .createTable('journal_v3')
          .addColumn('run_id', 'integer', (c) => c.notNull().references(`${schema}.run.run_id`))
          .addColumn('contact_recid', 'integer', (c) => c.notNull())
          .addColumn('column_name', t.shortText(128), (c) => c.notNull())
          .addColumn('old_value', 'integer')
          .addColumn('new_value', 'integer')
          .addColumn('old_last_update', t.timestamp)
          .addColumn('old_last_update_utc', t.timestamp)
          .addColumn('old_updated_by', t.shortText(128))
          .addColumn('new_last_update', t.timestamp)
          .addColumn('new_last_update_utc', t.timestamp)
          .addColumn('new_updated_by', t.shortText(128))
          .addPrimaryKeyConstraint('journal_v3_pk', ['run_id', 'contact_recid', 'column_name'])
          .execute();
        const kept = ['run_id', 'contact_recid', 'column_name', 'old_value', 'new_value'];
        await db
          .insertInto(`${schema}.journal_v3`)
          .columns(kept)
          .expression(db.selectFrom(`${schema}.journal`).select(kept))
          .execute();
        await db.schema.withSchema(schema).dropTable('journal').execute();
        await adapter.ddl.renameTable(db, schema, 'journal_v3', 'journal');
        // undo and "what happened to this contact" both look rows up by contact.
        await db.schema.withSchema(schema).createIndex('journal_contact').on('journal').columns(['contact_recid', 'run_id']).execute();
        const run = db.schema.withSchema(schema).alterTable('run');
        await run.addColumn('ticket', t.shortText(100)).execute();
        await run.addColumn('journal_version', 'integer').execute();
      },
    },
    '2026-11-26-004-run-notified': {
      // Notifications (src/notify): when a run's were handled, and why one failed. Nullable
      // columns added with ALTER TABLE ... ADD, which Babelfish takes as SQL Server does. Runs
      // already closed as interrupted count as handled: an upgrade must not announce old news.
      async up(db: Kysely<any>) {
        const run = db.schema.withSchema(schema).alterTable('run');
        await run.addColumn('notified_at', t.timestamp).execute();
        await run.addColumn('notify_error', t.text).execute();
        await db.updateTable(`${schema}.run`).set({ notified_at: new Date() }).where('status', '=', 'interrupted').execute();
      },
    },
    '2026-12-01-005-run-config-file': {
      // The config file a run read (its path, and the SHA-256 of its bytes): a change ticket can
      // then show exactly which settings a run had. Nullable columns, ALTER TABLE ... ADD as in 004.
      async up(db: Kysely<any>) {
        const run = db.schema.withSchema(schema).alterTable('run');
        await run.addColumn('config_path', t.shortText(1000)).execute();
        await run.addColumn('config_sha256', t.shortText(64)).execute();
      },
    },
    '2026-12-01-006-run-session-and-pending-notices': {
      // The session that holds the run lock, so a DBA can find a holder whose host vanished; and
      // notices sent at least once: a run whose notification is not recorded is sent by the next
      // apply or start. Runs finished before this version count as told: an upgrade must not
      // announce old news.
      async up(db: Kysely<any>) {
        await db.schema.withSchema(schema).alterTable('run').addColumn('session_id', t.shortText(64)).execute();
        await db.updateTable(`${schema}.run`).set({ notified_at: new Date() }).where('notified_at', 'is', null).where('status', '<>', 'running').execute();
      },
    },
    '2026-12-02-007-run-plan-digest': {
      // A saved plan (plan --out) is anchored here: its run (mode 'plan') records the SHA-256 of
      // the file's bytes, and each apply of it records the same digest beside its ticket. A
      // digest this table never recorded, or one already applied, is refused.
      async up(db: Kysely<any>) {
        await db.schema.withSchema(schema).alterTable('run').addColumn('plan_digest', t.shortText(64)).execute();
      },
    },
    '2026-12-02-008-journal-without-foreign-key': {
      // The journal's foreign key to run was checked row by row on every insert: about a fifth of
      // a first run over a million contacts (bench/RESULTS.md). The service login may not DELETE
      // from run (the grants script gives no DELETE), so no row it writes can lose its run;
      // migrations-check counts journal rows without a run instead.
      async up(db: Kysely<any>) {
        await adapter.ddl.dropForeignKeys(db, schema, 'journal');
      },
    },
  };
}
