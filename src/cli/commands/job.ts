import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { resolveJobParams, type ParamFlags } from '../../config/job-params.js';
import { usingDatabase } from '../../db/connect.js';
import type { AnyJob } from '../../runner/job-definition.js';
import type { Plan } from '../../runner/plan.js';
import { runJob } from '../../runner/run-job.js';
import { checkSchema } from '../../../migrations-check/check.js';
import { inspectSchema } from '../../../migrations-check/inspect.js';
import { JOB_NAMES } from '../../../jobs/index.js';
import { compileJobStatements, formatStatement } from '../../runner/statements.js';
import { testHooksFromEnv } from '../../runner/test-hooks.js';
import { parseCount } from '../args.js';
import { cliContext } from '../context.js';
import { jsonReport, planTable, textReport } from '../report.js';

interface JobOptions extends ParamFlags {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  config?: string;
  showSql?: boolean;
  maxChanges?: string;
  verbose?: boolean;
}

/** One sub-command per job; they differ only in the job they run. */
export function jobCommand(job: AnyJob): Command {
  return new Command(job.name)
    .description(`${job.summary} (reproduces sql/original/${job.originalScript})`)
    .option('--dry-run', 'plan only: counts and up to 20 rows that would change; writes nothing')
    .option('-y, --yes', 'apply without asking (non-interactive runs never ask)')
    .option('--json', 'print one JSON object on stdout')
    .option('--config <file>', 'config file (default ./cw-maint.config.json or $CW_MAINT_CONFIG)')
    .option('--level <n>', 'portal security level 1-6')
    .option('--types <ids>', 'company type RecIDs, comma-separated')
    .option('--statuses <ids>', 'company status RecIDs, comma-separated')
    .option('--company <Company_ID>', 'the Company_ID of the company (set-company-portal)')
    .addOption(new Option('--only-unset', 'only contacts whose level is still 0').conflicts('overwrite'))
    .option('--overwrite', 'also contacts that already have a level')
    .option('--max-changes <n>', 'refuse an apply that would change more rows (default from config, 1000)')
    .option('--show-sql', 'print the SQL each step runs, with its parameters')
    .option('--verbose', 'debug logs, and stack traces on errors')
    .action(async (options: JobOptions) => {
      await runJobCommand(job, options);
    });
}

async function runJobCommand(job: AnyJob, options: JobOptions): Promise<void> {
  const ctx = cliContext(options);
  const { config } = ctx.loaded;
  const { params } = resolveJobParams(job, config, options);
  const maxChanges = options.maxChanges === undefined ? config.maxChanges : parseCount(options.maxChanges, '--max-changes');
  const settings = { journalSchema: config.journalSchema, updatedBy: config.updatedBy, maxChanges };
  const spec = ctx.connection();
  const mode = options.dryRun ? 'dry-run' : 'apply';
  const interactive = mode === 'apply' && !options.yes && process.stdin.isTTY === true && !options.json;

  await usingDatabase(spec, async (handle) => {
    if (options.showSql) {
      const schema = checkSchema(await inspectSchema(handle.db), JOB_NAMES);
      if (schema.layout) {
        const statements = compileJobStatements(handle.db, handle.adapter, job, params, { layout: schema.layout }, {
          ...settings,
          auditColumns: schema.auditColumns,
        });
        process.stderr.write(
          [
            formatStatement('plan: counts', statements.count),
            formatStatement('plan: preview', statements.preview),
            formatStatement('apply 1/3: journal before-values (run id shown as 0)', statements.journal),
            formatStatement('apply 2/3: update exactly the journaled rows', statements.update),
            formatStatement('apply 3/3: verify the journaled rows now hold the new value', statements.verify),
          ].join('\n'),
        );
      }
    }
    const result = await runJob(handle, {
      job,
      params,
      mode,
      trigger: 'manual',
      settings,
      log: ctx.log,
      confirm: interactive ? (plan) => confirmApply(job, plan, handle.label) : undefined,
      hooks: testHooksFromEnv(ctx.log),
    });
    process.stdout.write(`${options.json ? jsonReport(result) : textReport(job, result, handle.label)}\n`);
    if (result.refusal) throw result.refusal; // after the plan is shown: exit 5
  });
}

async function confirmApply(job: AnyJob, plan: Plan, target: string): Promise<boolean> {
  process.stdout.write(`${job.name} on ${target}\n${planTable(job, plan)}\n\n`);
  if (plan.changed === 0) return true;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Apply ${plan.changed} changes? Type "yes" to apply: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
