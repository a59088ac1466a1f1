import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/model/schema.js';
import { changeFor, changing } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';

/**
 * SHA-256 of a job's compiled target, with its parameters bound: the rows an apply may take. A
 * cw-maint whose job selects differently, for whatever reason, refuses a plan made by the other.
 */
export function jobFingerprint(db: Kysely<Database>, job: AnyJob, params: Record<string, unknown>, context: TargetContext): string {
  const change = changeFor(job, params, context);
  const query = db
    .selectFrom('dbo.Contact')
    .where((eb) => changing(eb, job, params, change, context))
    .select('dbo.Contact.Contact_RecID')
    .compile();
  return createHash('sha256').update(JSON.stringify([query.sql, query.parameters])).digest('hex');
}
