import { extname } from 'node:path';
import { UsageError } from '../../errors.js';
import { checkReportTarget, type ReportTarget } from '../../report/report-target.js';
import type { WrittenPlan } from '../../run/plan-file/write-plan.js';

/** --out FILE of a dry run or `plan`: a .jsonl file cw-maint may write, checked before anything runs (exit 2). */
export function planOutTarget(file: string, force: boolean | undefined): ReportTarget {
  if (extname(file).toLowerCase() !== '.jsonl') throw new UsageError(`--out ${file}: a plan file is JSON Lines; its name must end in .jsonl`);
  return checkReportTarget(file, { force, flag: '--out', forceFlag: '--force' });
}

/** The line that tells where the plan went and how to apply it. */
export function planWrittenLine(plan: WrittenPlan): string {
  return (
    `Plan written to ${plan.path}: ${plan.rows} rows, SHA-256 ${plan.digest}, recorded as run ${plan.runId} (mode 600). ` +
    `Review it with \`npm run job -- apply ${plan.path} --dry-run --report FILE\`, apply it with \`npm run job -- apply ${plan.path}\`.\n`
  );
}
