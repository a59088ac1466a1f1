import { Command } from 'commander';
import { usingDatabase } from '../../db/connect.js';
import { assertMigrated } from '../../runner/run-job.js';
import { migrationStatus } from '../../journal/migrator.js';
import { cwMaintTables } from '../../journal/tables.js';
import { cliContext } from '../context.js';
import { textTable } from '../text-table.js';
import { parseCount } from '../args.js';

/** `history [--job NAME] [--limit N] [--json]`: the run table, newest first. */
export function historyCommand(): Command {
  return new Command('history')
    .description('show recorded runs, newest first')
    .option('--job <name>', 'only runs of this job')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print a JSON array')
    .option('--config <file>', 'config file')
    .option('--verbose', 'debug logs and stack traces')
    .action(async (options: { job?: string; limit: string; json?: boolean; config?: string; verbose?: boolean }) => {
      const ctx = cliContext(options);
      const limit = parseCount(options.limit, '--limit');
      const schema = ctx.loaded.config.journalSchema;
      await usingDatabase(ctx.connection(), async ({ db, adapter }) => {
        assertMigrated(await migrationStatus(db, adapter, schema));
        let query = db.selectFrom(cwMaintTables(schema).runAs).selectAll('r').orderBy('r.run_id', 'desc').offset(0).fetch(Math.max(limit, 1));
        if (options.job) query = query.where('r.job', '=', options.job);
        const rows = await query.execute();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...r, params: JSON.parse(r.params) })))}\n`);
          return;
        }
        if (!rows.length) {
          process.stdout.write('No runs recorded.\n');
          return;
        }
        const header = ['run', 'job', 'mode', 'trigger', 'status', 'started', 'secs', 'matched', 'changed', 'host', 'user'];
        const table = rows.map((r) => [
          String(r.run_id),
          r.job,
          r.mode,
          r.trigger,
          r.status === 'running' ? 'running/interrupted' : r.status,
          new Date(r.started_at).toISOString().replace('T', ' ').slice(0, 19),
          r.finished_at ? ((new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) / 1000).toFixed(1) : '',
          r.matched === null ? '' : String(r.matched),
          r.changed === null ? '' : String(r.changed),
          r.host,
          r.os_user,
        ]);
        const lines = textTable(header, table);
        for (const r of rows) if (r.error) lines.push(`run ${r.run_id}: ${r.error}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
