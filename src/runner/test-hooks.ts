import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { RunRequest } from './run-job.js';

/**
 * TEST-ONLY. CW_MAINT_TEST_PAUSE_AFTER_JOURNAL_MS makes an apply pause inside its transaction,
 * after the journal insert and before the update, so the integration suite can kill the process
 * or its connection at the worst moment. It logs `test.pause` so the test knows when to strike.
 * Never set it in production: it holds the run lock and row locks for that long.
 */
export function testHooksFromEnv(log: Logger, env = process.env): RunRequest['hooks'] {
  const ms = Number(env.CW_MAINT_TEST_PAUSE_AFTER_JOURNAL_MS);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return {
    afterJournal: async (signal?: AbortSignal) => {
      log.warn({ event: 'test.pause', ms }, 'TEST HOOK: pausing inside the apply transaction');
      // A shutdown cuts the pause short; the runner then rolls back at its next checkpoint.
      await sleep(ms, undefined, { signal }).catch(() => undefined);
    },
  };
}
