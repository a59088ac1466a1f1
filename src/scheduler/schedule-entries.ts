import type { ConfigFile } from '../config/config-file.js';
import { resolveJobParams } from '../vocabulary/job-params.js';
import { CwMaintError, UsageError } from '../errors.js';
import type { AnyJob } from '../vocabulary/job-definition.js';

export interface ScheduleEntry {
  job: AnyJob;
  params: Record<string, unknown>;
  expression: string;
  timezone: string | undefined;
  mode: 'dry-run' | 'apply';
}

/**
 * Every scheduled job from the config, validated at start-up: a bad cron expression, time zone,
 * mode or parameter is reported now (every one of them at once, exit 2), not at 2 a.m. A
 * scheduled entry must say its mode: an unattended apply is explicit intent, never a default.
 */
export function scheduleEntries(config: ConfigFile, jobs: readonly AnyJob[]): ScheduleEntry[] {
  const problems: string[] = [];
  const entries: ScheduleEntry[] = [];
  for (const job of jobs) {
    const entry = config.jobs[job.name];
    if (!entry || entry.schedule === undefined) continue;
    const at = `jobs.${job.name}`;
    const before = problems.length;
    let resolved: ReturnType<typeof resolveJobParams> | undefined;
    try {
      resolved = resolveJobParams(job, config);
    } catch (error) {
      if (!(error instanceof CwMaintError)) throw error;
      problems.push(...error.details);
    }
    if (entry.mode === undefined) problems.push(`${at}.mode: required with a schedule: "apply" or "dry-run" (an unattended apply must be asked for)`);
    if (problems.length > before || !resolved) continue;
    const { schedule, timezone, mode } = resolved.schedule;
    entries.push({ job, params: resolved.params, expression: schedule!, timezone, mode: mode! });
  }
  if (problems.length) throw new UsageError('The schedule cannot start:', [...new Set(problems)]);
  if (!entries.length) throw new UsageError('No job in the config has a "schedule"; nothing to run. See cw-maint.config.example.json.');
  return entries;
}
