import type { CompiledQuery, Kysely } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import type { Database } from '../../db/model/schema.js';
import { DEFAULT_BATCH_SIZE } from '../../config/defaults.js';
import { PAGE_ROWS } from '../../db/keyset-pages.js';
import { journaledBatchStatement } from './apply.js';
import { changeFor } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import { changingRowsQuery, planQuery, planRowsQuery } from './plan.js';

export interface JobStatements {
  /** The counts and the preview, in one statement. */
  plan: CompiledQuery;
  /** --report of a dry run: one page of the rows that would change (repeated after the page's last Contact_RecID). */
  report: CompiledQuery;
  /** One batch of the apply: update and journal (repeated from the last Contact_RecID until a batch comes back short). */
  batch: CompiledQuery;
  /** An apply's plan under the run lock: the counts and every row that would change (up to PLANNED_ROWS_MAX). */
  rowsPlan: CompiledQuery;
  /** One batch of the apply by those rows: their ids and before-values in one JSON parameter (shown: one row). */
  plannedBatch: CompiledQuery;
}

/**
 * Every statement a job runs, compiled (not executed), for --show-sql and sql/compiled/.
 * The apply statements show run id 0; the real one comes from the run table.
 */
export function compileJobStatements(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  job: AnyJob,
  params: Record<string, unknown>,
  context: TargetContext,
  settings: { journalSchema: string; updatedBy: string; auditColumns: readonly string[] },
): JobStatements {
  const change = changeFor(job, params, context);
  const input = { job, params, change, context, runId: 0, ...settings };
  return {
    plan: planQuery(db, job, params, change, context).compile(),
    report: changingRowsQuery(db, job, params, change, context, { after: null, rows: PAGE_ROWS }).compile(),
    batch: journaledBatchStatement(adapter, input, null, DEFAULT_BATCH_SIZE).compile(db),
    rowsPlan: planRowsQuery(db, job, params, change, context, {}).compile(),
    plannedBatch: journaledBatchStatement(adapter, input, null, DEFAULT_BATCH_SIZE, { rows: [{ id: 1, before: 0 }], checkAudit: false }).compile(db),
  };
}

export function formatStatement(title: string, query: CompiledQuery): string {
  const params = query.parameters.map((p, i) => `--   ${i + 1}: ${JSON.stringify(p)}`).join('\n');
  return `-- ${title}\n${query.sql};\n${params ? `-- parameters:\n${params}\n` : ''}`;
}
