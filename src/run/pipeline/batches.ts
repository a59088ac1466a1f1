import { DEFAULT_BATCH_SIZE } from '../../config/defaults.js';
import type { EngineAdapter } from '../../db/engines.js';

/**
 * Rows per statement of an apply or an undo: on an engine that escalates row locks (SQL Server),
 * batches by Contact_RecID under the 5,000 locks that would escalate to a table lock and block
 * ConnectWise; elsewhere null, one statement for every row.
 */
export function batchSizeFor(adapter: EngineAdapter, configured: number | undefined): number | null {
  return adapter.capabilities.escalatesRowLocks ? (configured ?? DEFAULT_BATCH_SIZE) : null;
}

/**
 * The one batch loop: `batch` is called with the last Contact_RecID of the previous batch (first:
 * null, no lower bound, as -2^31 is a RecID like any other) until one comes back short, or once
 * when `size` is null.
 */
export async function inBatches(size: number | null, batch: (after: number | null) => Promise<{ picked: number; last: number | null }>): Promise<void> {
  for (let after: number | null = null; ; ) {
    const { picked, last } = await batch(after);
    if (size === null || picked < size || last === null) return;
    after = last;
  }
}
