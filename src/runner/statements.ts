import type { CompiledQuery, Kysely } from 'kysely';
import type { EngineAdapter } from '../db/adapters/index.js';
import type { Database } from '../db/schema.js';
import { journalInsertQuery, updateQuery, verifyQuery } from './apply.js';
import { changeFor } from './change.js';
import type { AnyJob, TargetContext } from './job-definition.js';
import { countQuery, previewQuery } from './plan.js';

export interface JobStatements {
  count: CompiledQuery;
  preview: CompiledQuery;
  journal: CompiledQuery;
  update: CompiledQuery;
  verify: CompiledQuery;
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
  const change = changeFor(job, params);
  const input = { job, params, change, context, runId: 0, ...settings };
  return {
    count: countQuery(db, job, params, change, context).compile(),
    preview: previewQuery(db, job, params, change, context).compile(),
    journal: journalInsertQuery(db, input).compile(),
    update: updateQuery(db, adapter, input).compile(),
    verify: verifyQuery(db, input).compile(),
  };
}

export function formatStatement(title: string, query: CompiledQuery): string {
  const params = query.parameters.map((p, i) => `--   ${i + 1}: ${JSON.stringify(p)}`).join('\n');
  return `-- ${title}\n${query.sql};\n${params ? `-- parameters:\n${params}\n` : ''}`;
}
