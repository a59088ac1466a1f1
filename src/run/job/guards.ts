import type { Kysely } from 'kysely';
import type { ColumnRef } from '../../db/model/layout.js';
import type { Database } from '../../db/model/schema.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import type { Refusal } from '../pipeline/run-kind.js';
import type { Plan } from './plan.js';

export type { Refusal } from '../pipeline/run-kind.js';

export interface GuardLimits {
  maxChanges: number;
  /** The share of all contacts one run may change, in percent. */
  maxPercent: number;
  allowStatuses: readonly number[];
  /** The config file's job entries, for guards that check one job against another. */
  configuredJobs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface GuardOutcome {
  refusal?: Refusal;
  /** Guards that could not run (a column this database does not have), said once per run. */
  warnings: string[];
}

/**
 * The checks that run after the plan and before any write: the size limits, then the job's own
 * guards. All of them run, and every problem is reported together, each naming its numbers and
 * the flag that overrides it for one run.
 */
export async function checkGuards(
  db: Kysely<Database>,
  job: AnyJob,
  params: Record<string, unknown>,
  plan: Plan,
  limits: GuardLimits,
  present: (ref: ColumnRef) => boolean,
): Promise<GuardOutcome> {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (plan.changed > limits.maxChanges) {
    problems.push(
      `${plan.changed} rows would change, more than maxChanges (${limits.maxChanges}). ` +
        'Check the plan with --dry-run; if it is right, allow this one run with --max-changes N (or raise "maxChanges" in the config).',
    );
  }
  const percent = plan.totalContacts ? (100 * plan.changed) / plan.totalContacts : 0;
  if (percent > limits.maxPercent) {
    problems.push(
      `${plan.changed} of ${plan.totalContacts} contacts (${percent.toFixed(1)}%) would change, more than maxPercent (${limits.maxPercent}%). ` +
        `Check the plan with --dry-run; if it is right, allow this one run with --max-percent ${Math.ceil(percent)} (or raise "maxPercent" in the config).`,
    );
  }
  for (const guard of job.guards) {
    const missing = guard.reads.filter((ref) => !present(ref));
    if (missing.length) {
      warnings.push(`${job.name}: a safety check was skipped: this database has no ${missing.join(', ')}`);
      continue;
    }
    problems.push(...(await guard.check(db, params, { jobName: job.name, allowStatuses: limits.allowStatuses, configuredJobs: limits.configuredJobs ?? {} })));
  }
  const refusal = problems.length ? { message: `${job.name} refused by a safety guard; nothing was changed:`, problems } : undefined;
  return { refusal, warnings };
}
