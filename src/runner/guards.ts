import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AnyJob } from './job-definition.js';
import type { Plan } from './plan.js';

/** A guard's refusal is a result: the plan stands, the apply does not happen, the CLI exits 5. */
export interface Refusal {
  message: string;
  problems: string[];
}

/**
 * The checks that run after the plan and before any write: the change limit, then the job's own
 * guards. All of them run, and every problem is reported together.
 */
export async function checkGuards(
  db: Kysely<Database>,
  job: AnyJob,
  params: Record<string, unknown>,
  plan: Plan,
  limits: { maxChanges: number },
): Promise<Refusal | undefined> {
  const problems: string[] = [];
  if (plan.changed > limits.maxChanges) {
    problems.push(
      `${plan.changed} rows would change, more than maxChanges (${limits.maxChanges}). ` +
        'Check the plan with --dry-run; if it is right, allow this one run with --max-changes N, or raise "maxChanges" in the config.',
    );
  }
  for (const guard of job.guards) problems.push(...(await guard.check(db, params, { jobName: job.name })));
  return problems.length ? { message: `${job.name} refused by a safety guard; nothing was changed:`, problems } : undefined;
}
