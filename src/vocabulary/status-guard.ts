import type { Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import type { GuardContext, JobGuard } from './job-definition.js';

const STATUS_READS = ['dbo.Company_Status.Company_Status_RecID', 'dbo.Company_Status.Description', 'dbo.Company_Status.Inactive_Flag'] as const;

const allow = (id: number) => `; if this is intended, allow it with --allow-status ${id} (or "allowStatuses" in the config)`;

/**
 * The configured company statuses must all be ones ConnectWise marks `want`
 * (Company_Status.Inactive_Flag). Revoking for an active status would lock out paying clients;
 * granting portal access for an inactive one would let clients who left back in. A status the
 * DBA allowed (--allow-status, allowStatuses) passes.
 */
export function statusesMustBe(want: 'active' | 'inactive', param: string): JobGuard<Record<string, unknown>> {
  return {
    reads: [...STATUS_READS],
    async check(db: Kysely<Database>, params, { jobName, allowStatuses }: GuardContext) {
      const ids = ((params[param] as number[] | undefined) ?? []).filter((id) => !allowStatuses.includes(id));
      if (!ids.length) return [];
      const rows = await db
        .selectFrom('dbo.Company_Status')
        .select(['Company_Status_RecID as id', 'Description as description', 'Inactive_Flag as inactive'])
        .where('Company_Status_RecID', 'in', ids)
        .orderBy('Company_Status_RecID')
        .execute();
      return rows
        .filter((s) => (want === 'inactive' ? s.inactive !== true : s.inactive === true))
        .map((s) =>
          want === 'inactive'
            ? `${param}: ${s.id} (${s.description ?? 'no description'}) is not marked inactive in ConnectWise (Company_Status.Inactive_Flag = 0); ${jobName} refuses to revoke access for an active status${allow(s.id)}.`
            : `${param}: ${s.id} (${s.description ?? 'no description'}) is marked inactive in ConnectWise (Company_Status.Inactive_Flag = 1); ${jobName} refuses to grant portal access for an inactive status${allow(s.id)}.`,
        );
    },
  };
}

/**
 * The company named by `param` (its Company_ID, compared by the server as the job's target
 * compares it, so every company that matches is checked) must not be in a status ConnectWise
 * marks inactive, unless the DBA allowed that status: set-company-portal agrees with the other
 * portal jobs.
 */
export function companyMustBeActive(param: string): JobGuard<Record<string, unknown>> {
  return {
    reads: [...STATUS_READS, 'dbo.Company.Company_ID', 'dbo.Company.Company_Status_RecID'],
    async check(db: Kysely<Database>, params, { jobName, allowStatuses }: GuardContext) {
      const companyId = params[param] as string | undefined;
      if (companyId === undefined) return [];
      const rows = await db
        .selectFrom('dbo.Company as co')
        .innerJoin('dbo.Company_Status as cs', 'cs.Company_Status_RecID', 'co.Company_Status_RecID')
        .select(['co.Company_ID as companyId', 'cs.Company_Status_RecID as id', 'cs.Description as description'])
        .where('co.Company_ID', '=', companyId)
        .where('cs.Inactive_Flag', '=', true)
        .orderBy('co.Company_ID')
        .execute();
      return rows
        .filter((r) => !allowStatuses.includes(r.id))
        .map(
          (r) =>
            `${param}: ${r.companyId} is in status ${r.id} (${r.description ?? 'no description'}), which ConnectWise marks inactive (Company_Status.Inactive_Flag = 1); ${jobName} refuses to grant portal access at a company that left${allow(r.id)}.`,
        );
    },
  };
}

/**
 * None of the configured statuses may be one that `revoker` is configured to revoke (its
 * `param`, as written in the config file), and no --allow-status or allowStatuses lets one
 * through: re-enabling at a status another job disables would undo that job on every run.
 */
export function statusesNotRevokedBy(revoker: string, param: string): JobGuard<Record<string, unknown>> {
  return {
    reads: [],
    async check(_db, params, { jobName, configuredJobs }: GuardContext) {
      const revoked = configuredJobs[revoker]?.[param];
      if (!Array.isArray(revoked)) return [];
      return ((params[param] as number[] | undefined) ?? [])
        .filter((id) => revoked.includes(id))
        .map(
          (id) =>
            `${param}: ${id} is a status ${revoker} is configured to revoke (jobs.${revoker}.${param}); ${jobName} would re-enable what ${revoker} disables, on every run. No --allow-status lets it through: take ${id} out of one of the two.`,
        );
    },
  };
}
