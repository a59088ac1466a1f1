import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { GuardRefusedError, UsageError } from '../errors.js';
import type { AnyJob } from './job-definition.js';
import type { Plan } from './plan.js';

/**
 * Checks that run before any write. Each collects all of its problems and throws once.
 */

/** Configured RecIDs must exist in this ConnectWise instance; the error lists the valid ones. */
export async function checkRecIdsExist(db: Kysely<Database>, params: Record<string, unknown>): Promise<void> {
  const problems: string[] = [];
  const statuses = params.companyStatuses as number[] | undefined;
  const types = params.companyTypes as number[] | undefined;
  if (statuses) {
    const rows = await db
      .selectFrom('dbo.Company_Status')
      .select(['Company_Status_RecID as id', 'Description as description'])
      .orderBy('Company_Status_RecID')
      .execute();
    problems.push(...missing('companyStatuses', 'Company_Status', statuses, rows));
  }
  if (types) {
    const rows = await db
      .selectFrom('dbo.Company_Type')
      .select(['Company_Type_RecID as id', 'Description as description'])
      .orderBy('Company_Type_RecID')
      .execute();
    problems.push(...missing('companyTypes', 'Company_Type', types, rows));
  }
  if (problems.length) throw new UsageError('Configured RecIDs do not exist in this database:', problems);
}

function missing(param: string, table: string, wanted: number[], rows: Array<{ id: number; description: string | null }>): string[] {
  const known = new Set(rows.map((r) => Number(r.id)));
  const absent = wanted.filter((id) => !known.has(id));
  if (!absent.length) return [];
  const valid = rows.map((r) => `${r.id} = ${r.description ?? '(no description)'}`).join(', ');
  return [`${param}: ${absent.join(', ')} not found in dbo.${table}. Valid: ${valid || '(table is empty)'}`];
}

/** Guards that depend on the plan: the change limit and, for revoking jobs, statuses that must be inactive. */
export async function checkGuards(
  db: Kysely<Database>,
  job: AnyJob,
  params: Record<string, unknown>,
  plan: Plan,
  limits: { maxChanges: number },
): Promise<void> {
  const problems: string[] = [];
  if (plan.changed > limits.maxChanges) {
    problems.push(
      `${plan.changed} rows would change, more than maxChanges (${limits.maxChanges}). ` +
        'Check the plan with --dry-run; if it is right, raise the limit with --max-changes N or "maxChanges" in the config.',
    );
  }
  const mustBeInactive = job.statusesMustBeInactive?.(params) ?? [];
  if (mustBeInactive.length) {
    const active = await db
      .selectFrom('dbo.Company_Status')
      .select(['Company_Status_RecID as id', 'Description as description'])
      .where('Company_Status_RecID', 'in', mustBeInactive)
      .where((eb) => eb.or([eb('Inactive_Flag', 'is', null), eb('Inactive_Flag', '=', false)]))
      .execute();
    for (const s of active) {
      problems.push(
        `companyStatuses: ${s.id} (${s.description ?? 'no description'}) is not marked inactive in ConnectWise (Company_Status.Inactive_Flag = 0); ${job.name} refuses to revoke access for an active status.`,
      );
    }
  }
  if (problems.length) throw new GuardRefusedError(`${job.name} refused by a safety guard; nothing was changed:`, problems);
}
