import { Command, Option } from 'commander';
import { adapterFor } from '../../db/engines.js';
import { UsageError } from '../../errors.js';
import { migrateOwnSchema } from '../../journal/migrate-own-schema.js';
import { completeMigrationScript } from '../../journal/print-sql.js';
import { withRunLockHeld } from '../../run/pipeline/run-lock.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';

/** `migrate [--dry-run | --print-sql]`: cw-maint's own DDL runs only when a DBA says so. */
export function migrateCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('migrate').description("create or upgrade cw-maint's own tables (runs, journal) in their schema"))
    .option('--dry-run', 'print the DDL of pending migrations; change nothing')
    .option('--print-sql', 'print the complete DDL (schema, bookkeeping tables, every migration) for a DBA to run; connects to nothing')
    .addOption(new Option('--engine <engine>', 'with --print-sql: the engine (default: the one CW_DB_URL names)').choices(['mssql', 'postgres']))
    .action(async (options: CommonOptions & { dryRun?: boolean; printSql?: boolean; engine?: 'mssql' | 'postgres' }) => {
      const ctx = cliContext(options, deps);
      const schema = ctx.loaded.config.journalSchema;
      if (options.printSql && !options.engine && !deps.io.env.CW_DB_URL?.trim()) {
        throw new UsageError('migrate --print-sql needs --engine mssql|postgres (or CW_DB_URL, whose engine it then uses; it connects to nothing).');
      }
      if (options.printSql) {
        deps.io.stdout.write(await completeMigrationScript(adapterFor(options.engine ?? ctx.connection().engine), schema));
        return;
      }
      // A migrate holds the run lock, as an apply does: no apply runs against a schema half migrated.
      const dryRun = options.dryRun === true;
      const text = await ctx.usingDatabase((handle) =>
        dryRun ? migrateOwnSchema(handle, schema, { dryRun }) : withRunLockHeld(handle, schema, () => migrateOwnSchema(handle, schema, { dryRun })),
      );
      deps.io.stdout.write(text);
    });
}
