import type { Kysely } from 'kysely';
import type { Database } from '../db/model/schema.js';
import type { GuardContext, JobGuard } from './job-definition.js';

/**
 * The configured company statuses must all be ones ConnectWise marks `want`
 * (Company_Status.Inactive_Flag). Revoking for an active status would lock out paying clients;
 * granting portal access for an inactive one would let clients who left back in. A status the
 * DBA allowed (--allow-status, allowStatuses) passes.
 */
export function statusesMustBe(want: 'active' | 'inactive', param: string): JobGuard<Record<string, unknown>> {
  return {
    reads: ['dbo.Company_Status.Company_Status_RecID', 'dbo.Company_Status.Description', 'dbo.Company_Status.Inactive_Flag'],
    async check(db: Kysely<Database>, params, { jobName, allowStatuses }: GuardContext) {
      const ids = ((params[param] as number[] | undefined) ?? []).filter((id) => !allowStatuses.includes(id));
      if (!ids.length) return [];
      const rows = await db
        .selectFrom('dbo.Company_Status')
        .select(['Company_Status_RecID as id', 'Description as description', 'Inactive_Flag as inactive'])
        .where('Company_Status_RecID', 'in', ids)
        .orderBy('Company_Status_RecID')
        .execute();
      const allow = (id: number) => `; if this is intended, allow it with --allow-status ${id} (or "allowStatuses" in the config)`;
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
