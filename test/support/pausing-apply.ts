// A test-only process: applies revoke-inactive with a pause inside its transaction (a hook the
// test injects, never an environment switch of production code), and prints "paused" when the
// journal is written, so the test can kill it at the worst moment.
import { setTimeout as sleep } from 'node:timers/promises';
import { JOBS } from '../../jobs/index.js';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { usingDatabase } from '../../src/db/connect.js';
import { runJob } from '../../src/run/job/run-job.js';
import { silentLog, TEST_SETTINGS } from './run.js';

const job = JOBS.find((j) => j.name === 'revoke-inactive')!;
await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), (handle) =>
  runJob(handle, {
    job,
    params: { companyTypes: [1, 9], companyStatuses: [2, 7] },
    mode: 'apply',
    trigger: 'manual',
    settings: TEST_SETTINGS,
    log: silentLog,
    hooks: {
      afterJournal: async () => {
        process.stdout.write('paused\n');
        await sleep(60_000);
      },
    },
  }),
);
