import { atCompaniesMatching, contactFlagSet, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyTypes, optionalCompanyStatuses } from '../src/vocabulary/params.js';

// A job of cw-maint's own (no published script). The published revoke script disables everyone at
// a client that left, but never the ex-employees of a client that stays: ConnectWise marks those
// contacts inactive (Contact.Inactive_Flag = 1), and they keep portal access. This closes that gap.
export default defineJob({
  name: 'revoke-inactive-contacts',
  summary: 'Revoke portal access (Disable_Flag = 1) for contacts ConnectWise marks inactive, at companies of the given types',
  reproduces: null,
  params: { companyTypes, companyStatuses: optionalCompanyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Inactive_Flag', 'dbo.Contact.Disable_Flag']),
  writes: 'Disable_Flag',
  value: { constant: true },
  target: (eb, p, context) =>
    eb.and([contactFlagSet(eb, 'Inactive_Flag'), atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context)]),
  example: { companyTypes: [1] },
});
