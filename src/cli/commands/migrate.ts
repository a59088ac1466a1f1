import { Command } from 'commander';
import { usingDatabase } from '../../db/connect.js';
import { migrateOwnSchema } from '../../journal/migrate-own-schema.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../context.js';
import type { CliDeps } from '../io.js';

/** `migrate [--dry-run]`: cw-maint's own DDL runs only when a DBA says so. */
export function migrateCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('migrate').description("create or upgrade cw-maint's own tables (runs, journal) in their schema"))
    .option('--dry-run', 'print the DDL of pending migrations; change nothing')
    .action(async (options: CommonOptions & { dryRun?: boolean }) => {
      const ctx = cliContext(options, deps);
      const text = await usingDatabase(ctx.connection(), (handle) => migrateOwnSchema(handle, ctx.loaded.config.journalSchema, { dryRun: options.dryRun === true }));
      deps.io.stdout.write(text);
    });
}
