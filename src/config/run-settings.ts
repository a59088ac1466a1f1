import { UsageError } from '../errors.js';
import type { ConfigFile, ConfigSource } from './config-file.js';

/** What the run pipeline takes from the config file (and one run's flags). */
export interface RunSettings {
  journalSchema: string;
  updatedBy: string;
  maxChanges: number;
  /** The share of all contacts one run may change, in percent. */
  maxPercent: number;
  /** Company status RecIDs allowed past the status checks. */
  allowStatuses: readonly number[];
  /** A saved plan's apply: the share of its rows, in percent, that may have drifted; more refuses it all. */
  maxDrift?: number;
  /** A saved plan older than this many hours is refused. */
  planMaxAgeHours?: number;
  lockTimeoutSeconds: number;
  statementTimeoutSeconds: number;
  deadlockRetries: number;
  /** A scheduled run waits this long, polling, for a run lock another process holds (default 300). */
  lockWaitSeconds?: number;
  /** An apply takes its plan's rows by id up to this many (default PLANNED_ROWS_MAX), else searches again. */
  plannedRowsMax?: number;
  /** Rows per batch of an apply (default: config/defaults.ts). */
  batchSize?: number;
  /** A change-ticket reference recorded on the run. */
  ticket?: string;
  /** Every job entry of the config file, as written there: guards that check one job against another read it. */
  configuredJobs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Pairs of jobs the DBA allows to change each other's rows back (allowFights): not refused for scheduled applies. */
  allowFights?: ReadonlyArray<readonly [string, string]>;
  /** The config file the settings came from (path and SHA-256), recorded on the run row. */
  configSource?: ConfigSource;
}


/** The runner's settings from the config file, with one run's command-line overrides. */
export function runSettingsFrom(config: ConfigFile, overrides: { [K in keyof RunSettings]?: RunSettings[K] | undefined } = {}): RunSettings {
  return {
    journalSchema: config.journalSchema,
    updatedBy: config.updatedBy,
    maxChanges: config.maxChanges,
    maxPercent: config.maxPercent,
    maxDrift: config.maxDrift,
    planMaxAgeHours: config.planMaxAgeHours,
    allowStatuses: config.allowStatuses,
    ticket: config.ticket,
    lockTimeoutSeconds: config.lockTimeoutSeconds,
    statementTimeoutSeconds: config.statementTimeoutSeconds,
    deadlockRetries: config.deadlockRetries,
    lockWaitSeconds: config.lockWaitSeconds,
    batchSize: config.batchSize,
    configuredJobs: config.jobs,
    allowFights: config.allowFights,
    configSource: config.source,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}

/** ConnectWise's Contact.Updated_By: varchar(30). */
export const UPDATED_BY_MAX = 30;

/**
 * What an undo writes to Updated_By: "<updatedBy>:undo <runId>", so that the run it reverts can be
 * read off the row. Never cut to fit (a cut stamp loses the run number): too long is refused.
 */
export function undoStamp(updatedBy: string, runId: number): string {
  const problem = undoStampProblem(updatedBy, runId);
  if (problem) throw new UsageError(problem);
  return `${updatedBy}:undo ${runId}`;
}

/** Why an undo of this run cannot stamp its rows, or '' when it can. */
export function undoStampProblem(updatedBy: string, runId: number): string {
  const stamp = `${updatedBy}:undo ${runId}`;
  if (stamp.length <= UPDATED_BY_MAX) return '';
  const room = UPDATED_BY_MAX - `:undo ${runId}`.length;
  return (
    `an undo stamps Updated_By with "${stamp}", ${stamp.length} characters, and ConnectWise's column holds ${UPDATED_BY_MAX}: ` +
    `give "updatedBy" in the config at most ${room} characters (it is "${updatedBy}", ${updatedBy.length}); cw-maint never cuts the stamp, which would lose the run number`
  );
}

/** The session limits every connection of a run gets (see EngineAdapter.createDialect). */
export function sessionLimitsFrom(config: ConfigFile) {
  return { lockTimeoutMs: config.lockTimeoutSeconds * 1000, statementTimeoutMs: config.statementTimeoutSeconds * 1000 };
}
