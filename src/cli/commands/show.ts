import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { findRun, journalRowsOf } from '../../journal/show.js';
import { assertCanRun, preflight } from '../../preflight/preflight.js';
import { parseLimit, parseRunId, allChecked } from '../shared/args.js';
import { printable } from '../../printable.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { localTimeWithOffset } from '../shared/local-time.js';

/**
 * `show <runId> [--json]`: a run's record and every journaled row, streamed (JSON lines with
 * --json: the run first, then one line per row), so memory stays flat at any size.
 */
export function showCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('show').description("show one run's record and every row it changed (old, new, and the value now)"))
    .argument('<runId>', 'the run (see history)')
    .option('--json', 'JSON lines: the run, then one line per journaled row')
    .option('--limit <n>', 'only the first N rows')
    .action(async (runIdText: string, options: CommonOptions & { json?: boolean; limit?: string }) => {
      const ctx = cliContext(options, deps);
      const [runId, limit] = allChecked([() => parseRunId(runIdText), () => (options.limit === undefined ? Number.POSITIVE_INFINITY : parseLimit(options.limit))] as const);
      const schema = ctx.loaded.config.journalSchema;
      const out = deps.io.stdout;
      await ctx.usingDatabase(async (handle) => {
        assertCanRun(await preflight(handle, [], schema), 'show', 'apply');
        const run = await findRun(handle.db, schema, runId);
        if (!run) throw new UsageError(`There is no run ${runId} (see npm run job -- history).`);
        if (options.json) out.write(`${JSON.stringify({ run: { ...run, params: JSON.parse(run.params) } })}\n`);
        else {
          const fields: Array<[string, unknown]> = [
            ['run', run.run_id],
            ['job', run.job],
            ['mode', run.mode],
            ['status', run.status],
            ['trigger', run.trigger],
            ['started', localTimeWithOffset(new Date(run.started_at))],
            ['finished', run.finished_at ? localTimeWithOffset(new Date(run.finished_at)) : ''],
            [run.mode === 'dry-run' ? 'matched / would change / unchanged' : 'matched / changed / unchanged', `${run.matched ?? ''} / ${run.changed ?? ''} / ${run.unchanged ?? ''}`],
            ['params', run.params],
            ['undo of run', run.undo_of_run_id ?? ''],
            ['ticket', run.ticket ?? ''],
            ['saved plan (SHA-256)', run.plan_digest ?? ''],
            ['host / user', `${run.host} / ${run.os_user}`],
            ['error', run.error ?? ''],
            ['notify error', run.notify_error ?? ''],
          ];
          for (const [name, value] of fields) if (value !== '') out.write(`${name.padEnd(30)} ${printable(String(value))}\n`);
          if (run.mode === 'dry-run') {
            // A dry run changes nothing, so it journals nothing: say what it was, not "0 of N rows".
            out.write(`\nA dry run: it changed nothing and journaled no rows${run.changed ? ` (it found ${run.changed} rows that an apply would change)` : ''}. To list them, run the job again with --dry-run --report FILE.\n`);
            return;
          }
          if (run.mode === 'plan') {
            out.write(`\nA saved plan: it changed nothing. Its file lists the ${run.changed ?? 0} rows; \`npm run job -- apply FILE --dry-run --report FILE\` shows them as they are now.\n`);
            return;
          }
          out.write(`\n${['Contact_RecID', 'Name', 'Company_ID', 'Column', 'Old', 'New', 'Now'].join('\t')}\n`);
        }
        if (run.mode === 'dry-run' || run.mode === 'plan') return;
        let count = 0;
        for await (const row of journalRowsOf(handle, schema, runId)) {
          if (count >= limit) break;
          count++;
          const show = (v: number | null) => (v === null ? 'NULL' : String(v));
          const line = options.json
            ? `${JSON.stringify(row)}\n`
            : `${[row.contactRecId, printable(row.name), printable(row.companyId ?? ''), row.column, show(row.oldValue), show(row.newValue), show(row.now)].join('\t')}\n`;
          // Wait for a slow reader (a pipe, a pager): otherwise the output piles up in memory.
          if (out.write(line) === false && 'once' in out) await new Promise((resolve) => (out as NodeJS.WritableStream).once('drain', resolve));
        }
        if (!options.json) out.write(count < (run.changed ?? 0) ? `(first ${count} of ${run.changed} journaled rows)\n` : `(${count} journaled rows)\n`);
      });
    });
}
