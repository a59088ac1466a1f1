import { Command } from 'commander';
import { usingDatabase } from '../../db/connect.js';
import { listRuns, type RunRow } from '../../journal/history.js';
import { assertCanRun, preflight } from '../../runner/preflight.js';
import { parseCount } from '../args.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../context.js';
import type { CliDeps } from '../io.js';
import { textTable } from '../text-table.js';

/** `history [--job NAME] [--limit N] [--json]`: the run table, newest first. */
export function historyCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('history').description('show recorded runs, newest first'))
    .option('--job <name>', 'only runs of this job')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print a JSON array')
    .action(async (options: CommonOptions & { job?: string; limit: string; json?: boolean }) => {
      const ctx = cliContext(options, deps);
      const limit = parseCount(options.limit, '--limit');
      const schema = ctx.loaded.config.journalSchema;
      const rows = await usingDatabase(ctx.connection(), async (handle) => {
        assertCanRun(await preflight(handle, [], schema), 'history', 'apply');
        return listRuns(handle.db, schema, { job: options.job, limit });
      });
      deps.io.stdout.write(`${options.json ? JSON.stringify(rows.map((r) => ({ ...r, params: JSON.parse(r.params) }))) : historyTable(rows)}\n`);
    });
}

function historyTable(rows: RunRow[]): string {
  if (!rows.length) return 'No runs recorded.';
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
  return lines.join('\n');
}
