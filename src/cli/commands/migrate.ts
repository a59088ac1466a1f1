import { Command } from 'commander';
import { Kysely, type CompiledQuery } from 'kysely';
import type { EngineAdapter } from '../../db/adapters/index.js';
import { usingDatabase } from '../../db/connect.js';
import { RunFailedError } from '../../errors.js';
import { cwMaintMigrations } from '../../journal/migrations.js';
import { createMigrator, migrationStatus } from '../../journal/migrator.js';
import { cliContext } from '../context.js';

/** `migrate [--dry-run]`: cw-maint's own DDL runs only when a DBA says so. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description("create or upgrade cw-maint's own tables (runs, journal) in their schema")
    .option('--dry-run', 'print the DDL of pending migrations; change nothing')
    .option('--config <file>', 'config file')
    .option('--verbose', 'debug logs and stack traces')
    .action(async (options: { dryRun?: boolean; config?: string; verbose?: boolean }) => {
      const ctx = cliContext(options);
      const schema = ctx.loaded.config.journalSchema;
      await usingDatabase(ctx.connection(), async ({ db, adapter, label }) => {
        const status = await migrationStatus(db, adapter, schema);
        if (!status.pending.length) {
          process.stdout.write(`cw-maint schema "${schema}" on ${label} is at the latest migration (${status.applied.at(-1)}). Nothing to do.\n`);
          return;
        }
        if (options.dryRun) {
          process.stdout.write(`-- Pending migrations for schema "${schema}" on ${label}: ${status.pending.join(', ')}\n`);
          if (!status.applied.length) {
            process.stdout.write(`-- (and Kysely's bookkeeping tables cw_maint_migration, cw_maint_migration_lock; schema "${schema}" is created if missing)\n`);
          }
          process.stdout.write(await pendingDdl(adapter, schema, status.pending));
          process.stdout.write('-- Dry run: nothing was executed.\n');
          return;
        }
        const { error, results } = await createMigrator(db, adapter, schema).migrateToLatest();
        for (const r of results ?? []) {
          process.stdout.write(`${r.status === 'Success' ? 'applied' : r.status === 'Error' ? 'FAILED ' : 'skipped'} ${r.migrationName}\n`);
        }
        if (error) {
          throw new RunFailedError(`Migration failed and was rolled back: ${adapter.describeStatementError(error)}`, [], { cause: error });
        }
        process.stdout.write(`cw-maint schema "${schema}" on ${label} is at the latest migration.\n`);
      });
    });
}

/** Runs the pending migrations against a compile-only Kysely of the same engine and returns their DDL. */
export async function pendingDdl(adapter: EngineAdapter, schema: string, pending: string[]): Promise<string> {
  const captured: CompiledQuery[] = [];
  const capture = new Kysely<any>({
    dialect: adapter.compileOnlyDialect(),
    log: (event) => {
      captured.push(event.query);
    },
  });
  const migrations = cwMaintMigrations(adapter, schema);
  for (const name of pending) await migrations[name]!.up(capture);
  await capture.destroy();
  return captured.map((q) => `${q.sql};\n`).join('');
}
