import { UsageError } from '../errors.js';
import type { AnyJob } from './job-definition.js';
import { whereToGive } from './params.js';
import { z } from 'zod';
import { formatIssues, loadConfigFile, scheduleFields, type ConfigFile, type JobEntryCheck, type LoadedConfig, type ScheduleFields } from '../config/config-file.js';

/** An unattended apply is explicit intent, never a default. */
export const MODE_REQUIRED = 'required with a schedule: "apply" or "dry-run" (an unattended apply must be asked for)';

/** A job's parameters as the command line gave them: flag text, or true/false for a switch and its negation. */
export type FlagValues = Record<string, string | boolean | undefined>;

export interface ResolvedJob {
  params: Record<string, unknown>;
  schedule: ScheduleFields;
}

/**
 * Merges the job's config entry with command-line flags (flags win) and validates the result
 * with the job's schema. Every problem is reported at once; nothing touches the database.
 */
export function resolveJobParams(job: AnyJob, config: ConfigFile, flags: FlagValues = {}): ResolvedJob {
  const entry: Record<string, unknown> = { ...(config.jobs[job.name] ?? {}) };
  const schedule: Record<string, unknown> = {};
  for (const key of Object.keys(scheduleFields.shape)) {
    if (key in entry) {
      schedule[key] = entry[key];
      delete entry[key];
    }
  }
  for (const [key, spec] of Object.entries(job.params)) {
    const value = flags[key];
    if (value === undefined) continue;
    entry[key] = typeof value === 'string' && spec.fromFlag ? spec.fromFlag(value) : value;
  }

  const problems: string[] = [];
  const scheduleParsed = scheduleFields.safeParse(schedule);
  if (!scheduleParsed.success) problems.push(...formatIssues(scheduleParsed.error, `jobs.${job.name}`));
  const parsed = job.paramsSchema.safeParse(entry);
  if (!parsed.success) problems.push(...formatIssues(parsed.error, job.name).map((line) => withWhereToGive(job, line)));
  if (problems.length || !parsed.success || !scheduleParsed.success) {
    throw new UsageError(`Invalid parameters for ${job.name}:`, problems);
  }
  return { params: parsed.data as Record<string, unknown>, schedule: scheduleParsed.data };
}

/** "set-company-portal.companyId: required; give --company COMPANY_ID or "companyId" in the config". */
function withWhereToGive(job: AnyJob, line: string): string {
  const m = /^[^.]+\.(\w+): required$/.exec(line);
  const spec = m ? job.params[m[1]!] : undefined;
  return spec ? `${line}; give ${whereToGive(m![1]!, spec)}` : line;
}

/** The config file's job entries checked against the job files: unknown keys and values of the wrong shape (missing ones are checked when the job runs). */
export function jobEntryCheck(jobs: readonly AnyJob[]): JobEntryCheck {
  const check = (name: string, entry: unknown): string[] | null => {
    const job = jobs.find((j) => j.name === name);
    if (!job) return null;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return [`jobs.${job.name}: must be an object`];
    const shape = Object.fromEntries(Object.entries(job.params).map(([key, spec]) => [key, spec.schema.optional()]));
    const parsed = z.object({ ...shape, ...scheduleFields.shape }).strict().safeParse(entry);
    const problems = parsed.success ? [] : formatIssues(parsed.error, `jobs.${job.name}`);
    // In the same pass as every other problem of the file: a schedule without a mode can never start.
    if ('schedule' in entry && !('mode' in entry)) problems.push(`jobs.${job.name}.mode: ${MODE_REQUIRED}`);
    return problems;
  };
  return Object.assign(check, { known: jobs.map((j) => j.name) });
}

/** The config file with every job entry checked too: every problem in the file at once. */
export function loadJobsConfig(explicitPath: string | undefined, jobs: readonly AnyJob[], env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadConfigFile(explicitPath, jobEntryCheck(jobs), env);
}
