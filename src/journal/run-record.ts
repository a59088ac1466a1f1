import { hostname, userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';
import type { Database, RunTable } from '../db/model/schema.js';
import { cwMaintTables } from './tables.js';

/** The run table is the audit trail: every run, dry or apply, success or failure, gets a row. */
export interface RunStart {
  job: string;
  mode: RunTable['mode'];
  trigger: RunTable['trigger'];
  params: Record<string, unknown>;
  undoOfRunId?: number;
  ticket?: string;
  /** The session that holds the run lock (applies and undos). */
  sessionId?: string;
  /** The config file the run read. */
  config?: { path: string; sha256: string };
  /** A saved plan's SHA-256: on the plan's own run and on each apply of it. */
  planDigest?: string;
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'refused' | 'declined' | 'skipped';
  matched?: number;
  changed?: number;
  unchanged?: number;
  error?: string;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export async function startRun(db: Kysely<Database>, adapter: EngineAdapter, schema: string, start: RunStart): Promise<number> {
  return adapter.statements.insertRunReturningId(db, cwMaintTables(schema).run, runRow(start));
}

function runRow(start: RunStart) {
  return {
    job: start.job,
    mode: start.mode,
    status: 'running' as const,
    trigger: start.trigger,
    params: JSON.stringify(start.params),
    started_at: new Date(),
    host: hostname(),
    os_user: osUser(),
    undo_of_run_id: start.undoOfRunId ?? null,
    ticket: start.ticket ?? null,
    session_id: start.sessionId ?? null,
    config_path: start.config?.path ?? null,
    config_sha256: start.config?.sha256 ?? null,
    ...(start.planDigest === undefined ? {} : { plan_digest: start.planDigest }),
    // 2: the journal holds the audit columns before and after each change.
    journal_version: 2,
  };
}

export async function finishRun(db: Kysely<Database>, schema: string, runId: number, outcome: RunOutcome): Promise<void> {
  await db
    .updateTable(cwMaintTables(schema).run)
    .set(outcomeColumns(outcome))
    .where('run_id', '=', runId)
    .execute();
}

/** A run that starts and ends at once (dry runs, refusals, a "no" at the prompt): one row, written finished in one statement, so it can never be left running. */
export async function recordRun(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  schema: string,
  start: RunStart,
  outcome: RunOutcome,
): Promise<number> {
  return adapter.statements.insertRunReturningId(db, cwMaintTables(schema).run, { ...runRow(start), ...outcomeColumns(outcome) });
}

/** The newest apply still marked running: the likely holder of the run lock (or a run that was killed). */
export async function latestRunningApply(db: Kysely<Database>, schema: string) {
  return db
    .selectFrom(cwMaintTables(schema).runAs)
    .select(['r.run_id', 'r.job', 'r.mode', 'r.undo_of_run_id', 'r.host', 'r.os_user', 'r.started_at'])
    .where('r.status', '=', 'running')
    .where('r.mode', 'in', ['apply', 'undo'])
    .orderBy('r.run_id', 'desc')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
}

/**
 * Applies still marked running while the caller holds the run lock cannot be alive: their
 * process ended (killed, or its connection lost) and the server rolled them back. Closes them as
 * interrupted and returns their ids.
 */
export async function closeInterruptedRuns(db: Kysely<Database>, schema: string, except?: number): Promise<number[]> {
  const tables = cwMaintTables(schema);
  const stale = (await db.selectFrom(tables.runAs).select('r.run_id').where('r.status', '=', 'running').where('r.mode', 'in', ['apply', 'undo']).execute()).filter(
    (r) => Number(r.run_id) !== except,
  );
  if (!stale.length) return [];
  const ids = stale.map((r) => Number(r.run_id));
  await db
    .updateTable(tables.run)
    .set({
      status: 'interrupted',
      // When it ended is not known: no end time rather than a false one (the time it was found).
      finished_at: null,
      error: 'the process ended before the run finished (killed, or its connection was lost); the server rolled it back',
    })
    .where('run_id', 'in', ids)
    .where('status', '=', 'running')
    .execute();
  return ids;
}

function outcomeColumns(outcome: RunOutcome) {
  return {
    status: outcome.status,
    finished_at: new Date(),
    matched: outcome.matched ?? null,
    changed: outcome.changed ?? null,
    unchanged: outcome.unchanged ?? null,
    error: outcome.error ? outcome.error.slice(0, 4000) : null,
  };
}

/** A run's recorded status and count of rows changed, as the database has them now (after an unanswered COMMIT). */
export async function runStatus(db: Kysely<Database>, schema: string, runId: number) {
  return db.selectFrom(cwMaintTables(schema).runAs).select(['r.status', 'r.changed']).where('r.run_id', '=', runId).executeTakeFirst();
}

/** Records a failure on a run still marked running: best effort, on whatever connection still works. */
export async function failRunIfRunning(db: Kysely<Database>, schema: string, runId: number, outcome: Omit<RunOutcome, 'status'>): Promise<void> {
  await db
    .updateTable(cwMaintTables(schema).run)
    .set(outcomeColumns({ ...outcome, status: 'failed' }))
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}
