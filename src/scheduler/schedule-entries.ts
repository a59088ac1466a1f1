import cron from 'node-cron';
import type { ConfigFile } from '../config/config-file.js';
import { resolveJobParams } from '../config/job-params.js';
import { CwMaintError, UsageError } from '../errors.js';
import type { AnyJob } from '../runner/job-definition.js';

export interface ScheduleEntry {
  job: AnyJob;
  params: Record<string, unknown>;
  expression: string;
  timezone: string | undefined;
  mode: 'dry-run' | 'apply';
}

/**
 * Every scheduled job from the config, validated at start-up: a bad cron expression, time zone
 * or parameter is reported now (all of them at once, exit 2), not at 2 a.m.
 */
export function scheduleEntries(config: ConfigFile, jobs: readonly AnyJob[]): ScheduleEntry[] {
  const problems: string[] = [];
  const entries: ScheduleEntry[] = [];
  for (const job of jobs) {
    const entry = config.jobs[job.name];
    if (!entry || entry.schedule === undefined) continue;
    let resolved;
    try {
      resolved = resolveJobParams(job, config);
    } catch (error) {
      if (!(error instanceof CwMaintError)) throw error;
      problems.push(...error.details);
      continue;
    }
    const { schedule, timezone, mode } = resolved.schedule;
    const check = cron.validateDetailed(schedule!);
    if (!check.valid) {
      problems.push(`jobs.${job.name}.schedule: "${schedule}" is not a cron expression (${check.errors.map((e) => e.message).join('; ') || 'invalid'})`);
      continue;
    }
    if (timezone && !isTimeZone(timezone)) {
      problems.push(`jobs.${job.name}.timezone: "${timezone}" is not an IANA time zone (e.g. America/Chicago)`);
      continue;
    }
    entries.push({ job, params: resolved.params, expression: schedule!, timezone, mode: mode ?? 'apply' });
  }
  if (problems.length) throw new UsageError('The schedule cannot start:', problems);
  if (!entries.length) throw new UsageError('No job in the config has a "schedule"; nothing to run. See cw-maint.config.example.json.');
  return entries;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
