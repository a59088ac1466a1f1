import { atCompaniesMatching, contactNotInactive, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes } from '../src/vocabulary/params.js';
import { statusesMustBe, statusesNotRevokedBy } from '../src/vocabulary/status-guard.js';

// A job of cw-maint's own (no published script): it takes back what a company-level revoke did,
// and nothing else. It re-enables portal login only where the latest change of Disable_Flag was
// revoke-inactive disabling the contact because its company was inactive (or an undo that
// re-applied that), nobody has touched the contact since, the company is active again, and
// ConnectWise does not mark the contact itself inactive (an ex-employee stays disabled). A
// contact disabled by hand, by another tool, or by revoke-inactive-contacts is never re-enabled.
// It writes back the value the journal holds from before the revoke: NULL stays NULL.
export default defineJob({
  name: 'restore-reactivated',
  summary: 'Restore Disable_Flag for contacts revoke-inactive disabled whose company is active again',
  reproduces: null,
  params: { companyTypes, companyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Disable_Flag', 'dbo.Contact.Inactive_Flag', 'dbo.Company_Status.Inactive_Flag']),
  writes: 'Disable_Flag',
  value: 'journaled-before',
  reverts: { value: true, of: { jobs: ['revoke-inactive'] } },
  target: (eb, p, context) =>
    eb.and([contactNotInactive(eb), atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses, active: true }, context)]),
  guards: [
    // Re-enabling portal login at a status ConnectWise marks inactive would let a former client in.
    statusesMustBe('active', 'companyStatuses'),
    // At a status revoke-inactive revokes, the two jobs would undo each other on every run.
    statusesNotRevokedBy('revoke-inactive', 'companyStatuses'),
  ],
  example: { companyTypes: [1], companyStatuses: [1] },
});
