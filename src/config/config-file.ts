import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_CONFIG_FILE, DEFAULT_JOURNAL_SCHEMA, DEFAULT_MAX_CHANGES, DEFAULT_MAX_DRIFT, DEFAULT_PLAN_MAX_AGE_HOURS, SCHEMA_NAME_PATTERN } from './defaults.js';
import { duplicateKeys, readJsonText } from './json-text.js';
import { heartbeatUrlField, notifySection } from './notify-section.js';
import { TICKET_MAX, ticketRuleProblems } from './ticket-rule.js';

export { DEFAULT_CONFIG_FILE, DEFAULT_MAX_CHANGES } from './defaults.js';

/**
 * Checks one entry of the file's `jobs` section: the problems of a known job's entry, or null for
 * a name that is no job. The composition root passes it in (src/vocabulary/job-params.ts), so
 * that the config, at the bottom, knows nothing of jobs.
 */
export interface JobEntryCheck {
  (name: string, entry: unknown): string[] | null;
  /** The known job names, for the message about an unknown one. */
  readonly known: readonly string[];
}

/** Scheduler settings (and the job's heartbeat) that may sit beside a job's parameters in its config entry. */
export const scheduleFields = z
  .object({
    schedule: z
      .string()
      .min(1)
      .superRefine((expression, ctx) => {
        const check = cron.validateDetailed(expression);
        if (!check.valid) ctx.addIssue({ code: 'custom', message: `"${expression}" is not a cron expression (${check.errors.map((e) => e.message).join('; ') || 'invalid'})` });
      })
      .optional(),
    timezone: z
      .string()
      .min(1)
      .superRefine((zone, ctx) => {
        if (!isTimeZone(zone)) ctx.addIssue({ code: 'custom', message: `"${zone}" is not an IANA time zone (e.g. America/Chicago)` });
      })
      .optional(),
    mode: z.enum(['dry-run', 'apply'], { error: 'must be "apply" or "dry-run"' }).optional(),
    heartbeatUrl: heartbeatUrlField,
  })
  .strict();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
export type ScheduleFields = z.infer<typeof scheduleFields>;

const configSchema = z
  .object({
    $schema: z.string().optional(),
    /** Free text for the people who keep this file (init writes what each proposal is based on). */
    notes: z.array(z.string()).optional(),
    /** Written to Contact.Updated_By on every changed row. */
    updatedBy: z.string().min(1).max(30).default('cw-maint'),
    /** Schema of cw-maint's own tables (runs, journal). */
    journalSchema: z
      .string()
      .regex(SCHEMA_NAME_PATTERN, 'must be a plain SQL identifier')
      .refine((name) => name.toLowerCase() !== 'dbo', "must not be dbo: cw-maint's tables never go into ConnectWise's schema")
      .default(DEFAULT_JOURNAL_SCHEMA),
    /** An apply that would change more rows than this is refused (exit 5). */
    maxChanges: z.number().int().nonnegative().default(DEFAULT_MAX_CHANGES),
    /** An apply that would change more than this share of all contacts, in percent, is refused (exit 5). */
    maxPercent: z.number().min(0).max(100).default(25),
    // A saved plan's apply: the share of its rows that may have drifted (0: all or nothing), and how old it may be.
    maxDrift: z.number().min(0).max(100).default(DEFAULT_MAX_DRIFT),
    planMaxAgeHours: z.number().positive().max(24 * 366).default(DEFAULT_PLAN_MAX_AGE_HOURS),
    /** Company status RecIDs allowed past the status checks (a portal job for an inactive status, a revoke for an active one). */
    allowStatuses: z.array(z.number().int().positive()).default([]),
    /** A change-ticket reference recorded on every run (--ticket overrides it). */
    ticket: z.string().min(1).max(TICKET_MAX).optional(),
    /** An apply (or undo) without a ticket is refused (exit 2). */
    requireTicket: z.boolean().default(false),
    /** A regular expression every ticket must match (e.g. "^CHG-[0-9]+$"). */
    ticketPattern: z
      .string()
      .min(1)
      .refine((pattern) => compiles(pattern), 'must be a regular expression (JavaScript syntax)')
      .optional(),
    /** How long an in-flight run may take to finish after SIGTERM before it is rolled back. */
    shutdownGraceSeconds: z.number().int().nonnegative().default(30),
    /** An apply waits at most this long for a row lock held by someone else (a technician editing a contact), then fails and rolls back. */
    lockTimeoutSeconds: z.number().int().positive().max(3600).default(10),
    /** Any one statement may run at most this long (0: no limit). */
    statementTimeoutSeconds: z.number().int().nonnegative().max(86_400).default(600),
    /** An apply chosen as a deadlock victim is rolled back and tried again this many times. */
    deadlockRetries: z.number().int().nonnegative().max(5).default(1),
    /**
     * A scheduled apply that finds the run lock held by another process (a run by hand, another
     * host) tries again, without holding a connection, for up to this long; then it is recorded as
     * skipped. Keep it shorter than the job's period.
     */
    lockWaitSeconds: z.number().int().nonnegative().max(86_400).default(300),
    /** Rows an apply updates per statement, all in one transaction: below 5,000, SQL Server's lock-escalation threshold, so ConnectWise is not blocked by a table lock. */
    batchSize: z.number().int().min(1).max(1_000_000).default(DEFAULT_BATCH_SIZE),
    jobs: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Pairs of jobs allowed to change each other's rows back: a scheduled apply of such a pair is not refused (see README, plan). */
    allowFights: z.array(z.tuple([z.string().min(1), z.string().min(1)], { error: 'must be a pair of job names, e.g. ["set-primary-portal", "set-company-portal"]' })).default([]),
    /** E-mail and webhook targets, and the heartbeat: see src/notify/. */
    notify: notifySection.optional(),
  })
  .strict();

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The file a config came from, recorded on every run row (path and SHA-256 of its bytes). */
export interface ConfigSource {
  path: string;
  sha256: string;
}

export type ConfigFile = z.infer<typeof configSchema> & {
  /** Set when the config came from a file. */
  readonly source?: ConfigSource;
};

export interface LoadedConfig {
  config: ConfigFile;
  /** The file read, or undefined when none exists and none was named. */
  path: string | undefined;
  /** The path looked at (the default file, in the working directory, when none was named). */
  searched: string;
}

/** The config file for a message: its path, or where cw-maint looked and found none. */
export function configFileName(loaded: LoadedConfig): string {
  return loaded.path ?? `the config (no config file found: looked for ${loaded.searched}; name one with --config FILE or CW_MAINT_CONFIG)`;
}

/**
 * Reads the config file: --config, else CW_MAINT_CONFIG, else ./cw-maint.config.json. A file
 * that was named but is missing is an error; the default file may be absent (flags only).
 * Every problem in the file is reported at once, inside job entries too (unknown keys, values
 * of the wrong shape), whichever verb reads it: a misspelt key must never be ignored.
 */
export function loadConfigFile(explicitPath: string | undefined, checkEntry: JobEntryCheck, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const named = explicitPath ?? env.CW_MAINT_CONFIG;
  const path = resolve(named ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (named) throw new UsageError(`Config file not found: ${path}`);
    return { config: configSchema.parse({}), path: undefined, searched: path };
  }
  if (statSync(path).isDirectory()) throw new UsageError(`Config file ${path} is a directory, not a file.`);
  const { text, sha256 } = readJsonText(readFileSync(path));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const problems = duplicateKeys(text);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...formatIssues(parsed.error));
  const entries = (raw as { jobs?: unknown })?.jobs;
  if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
    for (const [name, entry] of Object.entries(entries)) {
      const entryProblems = checkEntry(name, entry);
      if (!entryProblems) problems.push(`jobs.${name}: no such job (known: ${checkEntry.known.join(', ')})`);
      else problems.push(...entryProblems);
    }
  }
  const pairs = (raw as { allowFights?: unknown })?.allowFights;
  if (Array.isArray(pairs)) {
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair)) return;
      pair.forEach((name, k) => {
        if (typeof name === 'string' && !checkEntry.known.includes(name)) problems.push(`allowFights.${i}.${k}: no such job "${name}" (known: ${checkEntry.known.join(', ')})`);
      });
    });
  }
  if (parsed.success) problems.push(...ticketRuleProblems(parsed.data));
  if (problems.length || !parsed.success) throw new UsageError(`Config file ${path} is invalid:`, problems);
  return { config: { ...parsed.data, source: { path, sha256 } }, path, searched: path };
}

/** One line per problem, with its path ("jobs.revoke-inactive.companyTypes.0: must be > 0"). */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const message =
      issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` : issue.message;
    return path ? `${path}: ${message}` : message;
  });
}
