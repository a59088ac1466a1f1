import { printable } from '../../printable.js';
import { Command } from 'commander';
import { configFileName } from '../../config/config-file.js';
import { resolveJobParams } from '../../vocabulary/job-params.js';
import { runSettingsFrom, sessionLimitsFrom } from '../../config/run-settings.js';
import { UsageError } from '../../errors.js';
import { planEveryJob, type EveryJobPlan } from '../../run/job/plan-every-job.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { textTable } from '../shared/text-table.js';
import { NO_BOM_HELP, reportSink } from '../shared/report-sink.js';
import { describeServer } from '../../config/connection-spec.js';
import { planOutTarget, planWrittenLine } from '../shared/plan-out.js';
import { writePlanFile } from '../../run/plan-file/write-plan.js';

/** `plan [--json] [--report FILE]`: a dry run of every configured job, in one report, and whether they converge; exit 5 when any apply would be refused or two jobs fight. */
export function planCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('plan').description('dry-run every job that has an entry in the config, in one report (writes nothing, takes no lock)'))
    .option('--json', 'print one JSON object on stdout')
    .option('--report <file>', 'write every planned row of every job to FILE: .csv, .jsonl or .json (checked before anything runs)')
    .option('--out <file>', 'save the plan of every configured job to FILE (.jsonl, recorded in the database) for `apply FILE`')
    .option('--force', 'with --report or --out: replace an existing file')
    .option('--no-bom', NO_BOM_HELP)
    .action(async (options: CommonOptions & { json?: boolean; report?: string; out?: string; force?: boolean; bom?: boolean }) => {
      const ctx = cliContext(options, deps);
      const { config } = ctx.loaded;
      const entries = deps.jobs.filter((job) => config.jobs[job.name]).map((job) => ({ job, params: resolveJobParams(job, config).params }));
      if (!entries.length) throw new UsageError(`No job has an entry in ${configFileName(ctx.loaded)}; nothing to plan. See cw-maint.config.example.json.`);
      if (options.out !== undefined) {
        if (options.report !== undefined) throw new UsageError(`--out and --report: write the plan first; the board's list is then \`npm run job -- apply ${options.out} --dry-run --report FILE\`, made from the same plan`);
        const out = planOutTarget(options.out, options.force);
        const written = await ctx.usingDatabase((handle) => writePlanFile(handle, entries, runSettingsFrom(config), out, ctx.log), { limits: sessionLimitsFrom(config) });
        const summary = written.jobs.map((j) => ({ job: j.job, column: j.column, matched: j.plan.matched, changed: j.plan.changed, unchanged: j.plan.unchanged }));
        if (options.json) {
          deps.io.stdout.write(`${JSON.stringify({ jobs: summary, plan: { path: written.path, sha256: written.digest, runId: written.runId, rows: written.rows } })}\n`);
        } else {
          const table = textTable(['job', 'column', 'matched', 'changed', 'unchanged'], summary.map((j) => [j.job, j.column, String(j.matched), String(j.changed), String(j.unchanged)]), { rule: true });
          deps.io.stdout.write(`Saved plan of every configured job; nothing was changed.\n\n${table.join('\n')}\n`);
          deps.io.stderr.write(planWrittenLine(written));
        }
        return;
      }
      const facts = () => ({ job: entries.map((e) => e.job.name).join(','), mode: 'plan', ...describeServer(ctx.connection()), ticket: config.ticket ?? null });
      const report = reportSink(options, { given: options.force, flag: '--force' }, deps.io, facts);
      const result = await ctx.usingDatabase((handle) => planEveryJob(handle, entries, runSettingsFrom(config), report?.write), { limits: sessionLimitsFrom(config) });
      deps.io.stdout.write(`${options.json ? JSON.stringify({ ...result, ...(report?.written ? { report: report.written } : {}) }) : planText(result)}\n`);
      if (result.refused) deps.exit(5);
    });
}

function planText(result: EveryJobPlan): string {
  const lines = [`Plan of every configured job (ConnectWise layout ${result.layout}); nothing was changed.`, ''];
  lines.push(
    ...textTable(
      ['job', 'column', 'matched', 'changed', 'unchanged', 'inactive', 'apply'],
      result.jobs.map((j) => [j.job, j.column, String(j.plan.matched), String(j.plan.changed), String(j.plan.unchanged), j.plan.inactiveContacts === null ? '' : String(j.plan.inactiveContacts), j.refusal ? 'REFUSED' : 'ok']),
      { rule: true },
    ),
  );
  for (const j of result.jobs) if (j.refusal) lines.push('', `${j.job}: ${j.refusal.message}`, ...j.refusal.problems.map((p) => `  - ${printable(p)}`));
  lines.push('', `Contacts more than one job would change: ${result.overlapCount}${result.overlapCount > result.overlaps.length ? ` (first ${result.overlaps.length} listed)` : ''}`);
  if (result.overlaps.length) {
    lines.push(
      ...textTable(
        ['Contact_RecID', 'Name', 'Company_ID', 'changes'],
        result.overlaps.map((o) => [String(o.contactRecId), o.name, o.companyId ?? '', o.changes.map((c) => `${c.job}: ${c.column} -> ${c.newValue ?? 'NULL'}`).join('; ')]),
        { indent: '  ', rule: true },
      ),
    );
  }
  for (const note of result.notes) lines.push(`Order matters: ${note}`);
  for (const f of result.fights) {
    const how = f.seen === 'effects' ? 'from what the jobs declare' : 'from the journal';
    lines.push(
      `${f.allowed ? 'Fight (allowed by allowFights)' : 'FIGHT'}: ${f.jobs[0]} and ${f.jobs[1]} (${how}): ${f.reason}.` +
        (f.allowed ? '' : ` A scheduled apply of both is refused (exit 5); change one of them, or allow the pair with "allowFights": [["${f.jobs[0]}", "${f.jobs[1]}"]] in the config.`),
    );
  }
  return lines.join('\n');
}
