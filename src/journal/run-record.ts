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
  /** The config file the run read. */
  config?: { path: string; sha256: string };
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'refused' | 'declined';
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
  return adapter.statements.insertRunReturningId(db, cwMaintTables(schema).run, {
    job: start.job,
    mode: start.mode,
    status: 'running',
    trigger: start.trigger,
    params: JSON.stringify(start.params),
    started_at: new Date(),
    host: hostname(),
    os_user: osUser(),
    undo_of_run_id: start.undoOfRunId ?? null,
    ticket: start.ticket ?? null,
    config_path: start.config?.path ?? null,
    config_sha256: start.config?.sha256 ?? null,
    // 2: the journal holds the audit columns before and after each change.
    journal_version: 2,
  });
}

export async function finishRun(db: Kysely<Database>, schema: string, runId: number, outcome: RunOutcome): Promise<void> {
  await db
    .updateTable(cwMaintTables(schema).run)
    .set({
      status: outcome.status,
      finished_at: new Date(),
      matched: outcome.matched ?? null,
      changed: outcome.changed ?? null,
      unchanged: outcome.unchanged ?? null,
      error: outcome.error ? outcome.error.slice(0, 4000) : null,
    })
    .where('run_id', '=', runId)
    .execute();
}

/** A run that starts and ends at once (dry runs, refusals): one row, already finished. */
export async function recordRun(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  schema: string,
  start: RunStart,
  outcome: RunOutcome,
): Promise<number> {
  const runId = await startRun(db, adapter, schema, start);
  await finishRun(db, schema, runId, outcome);
  return runId;
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
export async function closeInterruptedRuns(db: Kysely<Database>, schema: string): Promise<number[]> {
  const tables = cwMaintTables(schema);
  const stale = await db.selectFrom(tables.runAs).select('r.run_id').where('r.status', '=', 'running').where('r.mode', 'in', ['apply', 'undo']).execute();
  if (!stale.length) return [];
  const ids = stale.map((r) => Number(r.run_id));
  await db
    .updateTable(tables.run)
    .set({
      status: 'interrupted',
      finished_at: new Date(),
      error: 'the process ended before the run finished (killed, or its connection was lost); the server rolled it back',
    })
    .where('run_id', 'in', ids)
    .where('status', '=', 'running')
    .execute();
  return ids;
}
