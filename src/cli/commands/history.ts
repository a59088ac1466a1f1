import { Command } from 'commander';
import { listRuns, type RunRow } from '../../journal/history.js';
import { assertCanRun, preflight } from '../../preflight/preflight.js';
import { UsageError } from '../../errors.js';
import { localTimeWithOffset } from '../shared/local-time.js';
import { parseLimit } from '../shared/args.js';
import { printable } from '../../printable.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { textTable } from '../shared/text-table.js';

/** `history [--job NAME] [--limit N] [--json]`: the run table, newest first. */
export function historyCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('history').description('show recorded runs, newest first'))
    .option('--job <name>', 'only runs of this job')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print a JSON array')
    .action(async (options: CommonOptions & { job?: string; limit: string; json?: boolean }) => {
      const ctx = cliContext(options, deps);
      const limit = parseLimit(options.limit);
      if (options.job && !deps.jobs.some((j) => j.name === options.job)) {
        throw new UsageError(`--job: no such job "${options.job}" (known: ${deps.jobs.map((j) => j.name).join(', ')})`);
      }
      const schema = ctx.loaded.config.journalSchema;
      const rows = await ctx.usingDatabase(async (handle) => {
        assertCanRun(await preflight(handle, [], schema), 'history', 'apply');
        return listRuns(handle.db, schema, { job: options.job, limit });
      });
      deps.io.stdout.write(`${options.json ? JSON.stringify(rows.map((r) => ({ ...r, params: JSON.parse(r.params) }))) : historyTable(rows)}\n`);
    });
}

function historyTable(rows: RunRow[]): string {
  if (!rows.length) return 'No runs recorded.';
  const header = ['run', 'job', 'mode', 'trigger', 'status', 'started (local time)', 'secs', 'matched', 'changed', 'host', 'user'];
  const table = rows.map((r) => [
    String(r.run_id),
    r.job,
    r.mode,
    r.trigger,
    r.status === 'running' ? 'running/interrupted' : r.status,
    localTimeWithOffset(new Date(r.started_at)),
    r.finished_at ? ((new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) / 1000).toFixed(1) : '',
    r.matched === null ? '' : String(r.matched),
    r.changed === null ? '' : String(r.changed),
    r.host,
    r.os_user,
  ]);
  const lines = textTable(header, table);
  for (const r of rows) {
    const notes = [r.undo_of_run_id ? `undo of run ${r.undo_of_run_id}` : '', r.ticket ? `ticket ${r.ticket}` : '', r.plan_digest ? `saved plan ${r.plan_digest.slice(0, 12)}` : '', r.error ?? ''].filter(Boolean);
    // A ticket or error holding a newline or an escape sequence must not forge a line.
    if (notes.length) lines.push(`run ${r.run_id}: ${printable(notes.join('; '))}`);
  }
  return lines.join('\n');
}
