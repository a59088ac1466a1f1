import type { DatabaseHandle } from '../db/connect.js';
import { layoutOf, lookupLevels, lookupStatuses, lookupTypes, type StatusRow, type TypeRow } from './lookup.js';

export interface ProposedConfig {
  notes: string[];
  maxChanges: number;
  maxPercent: number;
  jobs: Record<string, Record<string, unknown>>;
}

const list = (rows: Array<StatusRow | TypeRow>) =>
  rows.map((r) => `${r.recId} ${r.description ?? '(no description)'}: ${r.companies} companies${'contacts' in r ? `, ${r.contacts} contacts` : ''}`).join('; ');

/**
 * A first cw-maint.config.json from the live database, each proposal with what it was based on and
 * what to check: the portal jobs for the statuses ConnectWise marks active, the revoking job for
 * those it marks inactive, the company types whose description says client, and the published
 * scripts' example levels. A proposal that cannot be made is left out, and the notes say why.
 */
export async function proposeConfig(handle: DatabaseHandle, journalSchema: string): Promise<ProposedConfig> {
  const layout = await layoutOf(handle, journalSchema);
  const [statuses, types, levels] = await Promise.all([lookupStatuses(handle.db), lookupTypes(handle.db, layout), lookupLevels(handle.db)]);
  const active = statuses.filter((s) => s.inactive !== true);
  const inactive = statuses.filter((s) => s.inactive === true);
  const clients = types.filter((t) => /client/i.test(t.description ?? ''));
  const notes: string[] = [`Proposed by cw-maint init from the database itself (layout ${layout}). Check every value before the first apply; run npm run job -- plan to see what each job would change.`];
  const jobs: ProposedConfig['jobs'] = {};
  const companyTypes = clients.map((t) => t.recId);
  if (!clients.length) {
    notes.push(`No company type's description says client (${list(types)}): give companyTypes by hand to each job, then run plan.`);
  } else {
    notes.push(`companyTypes ${JSON.stringify(companyTypes)} for every job: the types whose description says client (${list(clients)}). Other types: ${list(types.filter((t) => !clients.includes(t))) || 'none'}.`);
  }
  const levelsInUse = levels.levels.filter((l) => l.contacts).map((l) => `${l.level ?? 'NULL'}${l.name ? ` (${l.name})` : ''}: ${l.contacts}`).join(', ');
  if (!statuses.length) {
    notes.push(
      'dbo.Company_Status is empty: no status can be proposed, so the portal jobs (set-primary-portal, set-billing-portal) and revoke-inactive are left out. Add them by hand with the status RecIDs your companies use (npm run job -- lookup statuses), then run plan.',
    );
  } else if (!active.length) {
    notes.push(`No company status is marked active in ConnectWise (Company_Status.Inactive_Flag = 0): ${list(statuses)}. The portal jobs (set-primary-portal, set-billing-portal) are left out: they grant access only at active statuses.`);
  } else if (!clients.length) {
    notes.push('The portal jobs (set-primary-portal, set-billing-portal) are left out: they need the client company types (above).');
  }
  if (clients.length && active.length) {
    jobs['set-primary-portal'] = { level: 6, companyTypes, companyStatuses: active.map((s) => s.recId) };
    jobs['set-billing-portal'] = { level: 4, companyTypes, companyStatuses: active.map((s) => s.recId) };
    notes.push(
      `companyStatuses ${JSON.stringify(active.map((s) => s.recId))} for the portal jobs: the statuses ConnectWise marks active (${list(active)}). A status such as credit hold or not approved may not be one you want in the portal: remove it.`,
      `level 6 (primary contacts) and 4 (billing contacts): the published scripts' examples. Contacts per level now: ${levelsInUse || 'none'}. ${levels.source ? `Level names from ${levels.source}.` : 'The names of the levels are in Setup Tables > Portal Security.'}`,
    );
  }
  if (clients.length && inactive.length) {
    jobs['revoke-inactive'] = { companyTypes, companyStatuses: inactive.map((s) => s.recId) };
    notes.push(`companyStatuses ${JSON.stringify(inactive.map((s) => s.recId))} for revoke-inactive: the statuses ConnectWise marks inactive (${list(inactive)}).`);
  } else if (statuses.length && !inactive.length) {
    notes.push('No company status is marked inactive in ConnectWise (Company_Status.Inactive_Flag), so revoke-inactive is left out.');
  }
  if (clients.length) {
    jobs['revoke-inactive-contacts'] = { companyTypes };
    notes.push('revoke-inactive-contacts: contacts ConnectWise marks inactive at those client types (ex-employees of clients that stay).');
  }
  notes.push('set-company-portal (one company by its Company_ID) is left out: add it when you need it.');
  return { notes, maxChanges: 1000, maxPercent: 25, jobs };
}
