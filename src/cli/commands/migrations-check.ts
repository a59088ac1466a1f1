import { Command } from 'commander';
import { usingDatabase } from '../../db/connect.js';
import { SchemaCheckError } from '../../errors.js';
import { migrationStatus } from '../../journal/migrator.js';
import { blockedMessages, checkSchema } from '../../../migrations-check/check.js';
import { inspectSchema } from '../../../migrations-check/inspect.js';
import { JOB_NAMES } from '../../../jobs/index.js';
import { cliContext } from '../context.js';

/** `migrations-check [--json]`: the schema report. Exit 0 when every job can run, 3 otherwise. */
export function migrationsCheckCommand(): Command {
  return new Command('migrations-check')
    .description('check the ConnectWise schema against the contract in migrations-check/, and our own migrations')
    .option('--json', 'print the report as one JSON object')
    .option('--config <file>', 'config file')
    .option('--verbose', 'debug logs and stack traces')
    .action(async (options: { json?: boolean; config?: string; verbose?: boolean }) => {
      const ctx = cliContext(options);
      const journalSchema = ctx.loaded.config.journalSchema;
      await usingDatabase(ctx.connection(), async ({ db, adapter, label }) => {
        const report = checkSchema(await inspectSchema(db), JOB_NAMES);
        const migrations = await migrationStatus(db, adapter, journalSchema);
        const blocked = blockedMessages(report);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ target: label, ...report, migrations, ok: blocked.length === 0 })}\n`);
        } else {
          const lines = [`Schema check of ${label}`];
          lines.push(report.layout ? `Layout: ${report.layout} (${report.layoutDescription})` : 'Layout: UNKNOWN');
          for (const c of report.required) {
            const found = c.status === 'ok' ? c.found : c.status === 'missing' ? 'not found' : `is ${c.found}`;
            lines.push(`  ${c.status === 'ok' ? 'OK     ' : c.status === 'missing' ? 'MISSING' : 'WRONG  '} ${c.table}.${c.column} (${c.expected}: ${found})  used by ${c.requiredBy.join(', ')}`);
          }
          for (const o of report.optional) {
            lines.push(`  ${o.status === 'ok' ? 'found  ' : 'absent '} ${o.table}.${o.column} (optional: ${o.status === 'ok' ? o.effect : 'not set on apply'})`);
          }
          lines.push(
            migrations.pending.length
              ? `cw-maint schema "${journalSchema}": ${migrations.pending.length} pending migration(s); run \`npm run migrate\` before applying (dry runs work).`
              : `cw-maint schema "${journalSchema}": at the latest migration.`,
          );
          lines.push(blocked.length ? '' : 'All jobs can run.');
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        if (blocked.length) throw new SchemaCheckError('Some jobs cannot run against this schema:', blocked);
      });
    });
}
