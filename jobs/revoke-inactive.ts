import { atCompaniesMatching, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes } from '../src/vocabulary/params.js';
import { statusesMustBe } from '../src/vocabulary/status-guard.js';

export default defineJob({
  name: 'revoke-inactive',
  summary: 'Revoke portal access (Disable_Flag = 1) for all contacts of inactive clients',
  reproduces: { file: 'revoke-inactive.sql', title: 'Revoke access to the client portal for inactive clients' },
  params: { companyTypes, companyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Disable_Flag']),
  writes: 'Disable_Flag',
  value: { constant: true },
  target: (eb, p, context) => atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
  // Revoking for a status ConnectWise calls active would lock out paying clients.
  guards: [statusesMustBe('inactive', 'companyStatuses')],
  example: { companyTypes: [1], companyStatuses: [3] },
});
