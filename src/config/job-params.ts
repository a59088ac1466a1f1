import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { AnyJob } from '../runner/job-definition.js';
import { formatIssues, scheduleFields, type ConfigFile, type ScheduleFields } from './config-file.js';

/** Command-line flags that set job parameters, and the parameter each one sets. */
export interface ParamFlags {
  level?: string;
  types?: string;
  statuses?: string;
  company?: string;
  onlyUnset?: boolean;
  overwrite?: boolean;
}

const FLAG_TO_PARAM: Record<string, { param: string; flag: string }> = {
  level: { param: 'level', flag: '--level' },
  types: { param: 'companyTypes', flag: '--types' },
  statuses: { param: 'companyStatuses', flag: '--statuses' },
  company: { param: 'companyId', flag: '--company' },
};

export interface ResolvedJob {
  params: Record<string, unknown>;
  schedule: ScheduleFields;
}

/**
 * Merges the job's config entry with command-line flags (flags win) and validates the result
 * with the job's schema. Every problem is reported at once; nothing touches the database.
 */
export function resolveJobParams(job: AnyJob, config: ConfigFile, flags: ParamFlags = {}): ResolvedJob {
  const entry = { ...(config.jobs[job.name] ?? {}) };
  const schedule: Record<string, unknown> = {};
  for (const key of ['schedule', 'timezone', 'mode']) {
    if (key in entry) {
      schedule[key] = entry[key];
      delete entry[key];
    }
  }
  const problems: string[] = [];
  const accepted = acceptedParams(job);

  for (const [flagKey, { param, flag }] of Object.entries(FLAG_TO_PARAM)) {
    const value = flags[flagKey as keyof ParamFlags];
    if (value === undefined) continue;
    if (!accepted.has(param)) {
      problems.push(`${flag}: ${job.name} does not take this option`);
      continue;
    }
    entry[param] = param === 'companyId' ? value : param === 'level' ? numberOrText(String(value)) : listOfNumbers(String(value));
  }
  if (flags.onlyUnset && flags.overwrite) problems.push('--only-unset and --overwrite contradict each other; give one');
  if (flags.onlyUnset || flags.overwrite) {
    if (!accepted.has('onlyUnset')) problems.push(`${flags.onlyUnset ? '--only-unset' : '--overwrite'}: ${job.name} does not take this option`);
    else entry.onlyUnset = Boolean(flags.onlyUnset);
  }

  const scheduleParsed = scheduleFields.safeParse(schedule);
  if (!scheduleParsed.success) problems.push(...formatIssues(scheduleParsed.error, `jobs.${job.name}`));
  const parsed = job.params.safeParse(entry);
  if (!parsed.success) problems.push(...formatIssues(parsed.error, job.name).map(friendlyMissing));
  if (problems.length || !parsed.success || !scheduleParsed.success) {
    throw new UsageError(`Invalid parameters for ${job.name}:`, problems);
  }
  return { params: parsed.data as Record<string, unknown>, schedule: scheduleParsed.data };
}

/** The parameter names a job's (object) schema declares. */
export function acceptedParams(job: AnyJob): Set<string> {
  const shape = (job.params as unknown as z.ZodObject<z.ZodRawShape>).shape ?? {};
  return new Set(Object.keys(shape));
}

/** "1, 2" -> [1, 2]; anything that is not digits stays text so validation names it. */
function listOfNumbers(text: string): unknown[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => numberOrText(part.trim()));
}

function numberOrText(text: string): unknown {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

const PARAM_HINTS: Record<string, string> = {
  level: '--level N or "level" in the config',
  companyTypes: '--types 1,2 or "companyTypes" in the config',
  companyStatuses: '--statuses 3 or "companyStatuses" in the config',
  companyId: '--company <Company_ID> or "companyId" in the config',
};

function friendlyMissing(line: string): string {
  const m = /^[^.]+\.(\w+): required$/.exec(line);
  return m && PARAM_HINTS[m[1]!] ? `${line}; give ${PARAM_HINTS[m[1]!]}` : line;
}
