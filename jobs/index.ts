import type { AnyJob } from '../src/runner/job-definition.js';
import revokeInactive from './revoke-inactive.js';
import setBillingPortal from './set-billing-portal.js';
import setCompanyPortal from './set-company-portal.js';
import setPrimaryPortal from './set-primary-portal.js';

/** Every job cw-maint knows, by name. Adding a job is adding a file and a line here. */
export const JOBS: readonly AnyJob[] = [setPrimaryPortal, setBillingPortal, setCompanyPortal, revokeInactive];

export const JOB_NAMES = JOBS.map((j) => j.name);

export function findJob(name: string): AnyJob | undefined {
  return JOBS.find((j) => j.name === name);
}
