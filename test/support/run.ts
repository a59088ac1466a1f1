import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { JOBS } from '../../jobs/index.js';
import { resolveJobParams } from '../../src/vocabulary/job-params.js';
import { runJob, type RunRequest, type RunResult } from '../../src/run/job/run-job.js';
import type { TestDatabase } from './test-database.js';
import { oldRestoreReactivated } from './old-restore-reactivated.js';

/** Logs go nowhere in tests; assertions read results and tables. */
export const silentLog = pino({ level: 'silent' });

export const TEST_SETTINGS = { journalSchema: 'cw_maint', updatedBy: 'cw-maint-test', maxChanges: 100_000, maxPercent: 100, allowStatuses: [] as number[], lockTimeoutSeconds: 10, statementTimeoutSeconds: 600, deadlockRetries: 1 };

/** Runs a job the way the CLI does (params validated by the job's schema), minus the process. */
export async function runNamedJob(
  tdb: TestDatabase,
  name: string,
  params: Record<string, unknown>,
  mode: RunRequest['mode'],
  extra: Partial<RunRequest> = {},
): Promise<RunResult> {
  const job = [...JOBS, oldRestoreReactivated].find((j) => j.name === name);
  if (!job) throw new Error(`no job ${name}`);
  const { params: validated } = resolveJobParams(job, { jobs: { [name]: params } } as never);
  return runJob(tdb, { job, params: validated, mode, trigger: 'manual', settings: TEST_SETTINGS, log: silentLog, ...extra });
}

export async function journalRows(tdb: TestDatabase) {
  return tdb.db
    .selectFrom('cw_maint.journal')
    .selectAll()
    .orderBy('run_id')
    .orderBy('contact_recid')
    .execute();
}

export async function runRows(tdb: TestDatabase) {
  return tdb.db.selectFrom('cw_maint.run').selectAll().orderBy('run_id').execute();
}

export async function executeRaw(tdb: TestDatabase, text: string) {
  return sql.raw(text).execute(tdb.db);
}

/** A promise and the function that resolves it: the pause and release of a test hook. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** revoke-inactive's parameters on the fixture, as config values and as flags. */
export const REVOKE = { companyTypes: [1, 9], companyStatuses: [2, 7] };
export const REVOKE_ARGS = ['revoke-inactive', '--types', '1,9', '--statuses', '2,7'];

/** A config file of its own in a temporary folder; returns its path. */
export function writeConfig(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cwm-')), 'cw-maint.config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Undoes a run the way `undo <runId> --yes` does, minus the process. */
export async function runUndo(tdb: TestDatabase, runId: number, mode: 'apply' | 'dry-run' = 'apply') {
  const { undoRun } = await import('../../src/run/undo/undo-run.js');
  return undoRun(tdb, { runId, mode, force: false, trigger: 'manual', settings: TEST_SETTINGS, log: silentLog });
}
