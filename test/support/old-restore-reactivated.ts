import { atCompaniesMatching, readsWithScriptJoins } from '../../src/vocabulary/contact-filters.js';
import { defineJob } from '../../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes } from '../../src/vocabulary/params.js';
import { statusesMustBe } from '../../src/vocabulary/status-guard.js';

/**
 * restore-reactivated as it was before issue 21, kept for the tests only (the plan must name it
 * as fighting revoke-inactive-contacts). It re-enabled (wrote 0, even over a journaled NULL) every
 * contact whose latest Disable_Flag change was any cw-maint apply that set it, untouched since,
 * at companies of the given types and statuses: whatever the job, and inactive contacts too.
 * Declared in today's vocabulary, that is exactly: value 0, reverting any apply's Disable_Flag = 1.
 */
export const oldRestoreReactivated = defineJob({
  name: 'old-restore-reactivated',
  summary: 'Test job: restore-reactivated before issue 21 (re-enables whatever any cw-maint apply disabled)',
  reproduces: null,
  params: { companyTypes, companyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Disable_Flag']),
  writes: 'Disable_Flag',
  value: { constant: false },
  reverts: { value: true, of: 'any-apply' },
  target: (eb, p, context) => atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
  guards: [statusesMustBe('active', 'companyStatuses')],
  example: { companyTypes: [1], companyStatuses: [1] },
});
