import type { AnyJob } from '../src/vocabulary/job-definition.js';
import restoreReactivated from './restore-reactivated.js';
import revokeInactive from './revoke-inactive.js';
import revokeInactiveContacts from './revoke-inactive-contacts.js';
import setBillingPortal from './set-billing-portal.js';
import setCompanyPortal from './set-company-portal.js';
import setPrimaryPortal from './set-primary-portal.js';

/**
 * Every job cw-maint knows. Adding a job is adding a file and a line here. Only the program's
 * entry point imports this list; it hands it to the CLI verbs and the scheduler.
 */
export const JOBS: readonly AnyJob[] = [setPrimaryPortal, setBillingPortal, setCompanyPortal, revokeInactive, revokeInactiveContacts, restoreReactivated];
