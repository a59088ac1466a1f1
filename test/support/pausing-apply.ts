// A test-only process: applies revoke-inactive and stops at one step of the run (a hook the test
// injects, never an environment switch of production code), printing "paused <step>" there, so
// the test can kill it at that moment. Steps: after-plan (run row written, under the lock, before
// any write), after-journal (inside the transaction, rows changed and journaled, not committed),
// after-commit (committed, before the report and the notification). Default: after-journal.
import { setTimeout as sleep } from 'node:timers/promises';
import { JOBS } from '../../jobs/index.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { usingDatabase } from '../../src/db/connect.js';
import type { RunHooks } from '../../src/run/pipeline/run-kind.js';
import { runJob } from '../../src/run/job/run-job.js';
import { silentLog, TEST_SETTINGS } from './run.js';

const step = process.argv[2] ?? 'after-journal';
const pause = async () => {
  process.stdout.write(`paused ${step}\n`);
  await sleep(60_000);
};
const hooks: RunHooks = {
  'after-plan': { afterPlan: pause },
  'after-journal': { afterJournal: pause },
  'after-commit': { afterCommit: pause },
}[step]!;
if (!hooks) throw new Error(`unknown step ${step}`);

const job = JOBS.find((j) => j.name === 'revoke-inactive')!;
await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), (handle) =>
  runJob(handle, {
    job,
    params: { companyTypes: [1, 9], companyStatuses: [2, 7] },
    mode: 'apply',
    trigger: 'manual',
    settings: TEST_SETTINGS,
    log: silentLog,
    hooks,
  }),
);
