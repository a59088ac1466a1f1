import { atCompaniesMatching, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { lastChangedByCwMaintApply } from '../src/vocabulary/journal-filters.js';
import { companyStatuses, companyTypes } from '../src/vocabulary/params.js';
import { statusesMustBe } from '../src/vocabulary/status-guard.js';

// A job of cw-maint's own (no published script): it re-enables portal login only where cw-maint
// itself disabled it, nobody has touched the contact since, and the client is active again. A
// contact disabled by hand or by another tool is never re-enabled.
export default defineJob({
  name: 'restore-reactivated',
  summary: 'Clear Disable_Flag for contacts cw-maint disabled whose company is active again',
  reproduces: null,
  params: { companyTypes, companyStatuses },
  reads: readsWithScriptJoins(['dbo.Contact.Disable_Flag']),
  writes: 'Disable_Flag',
  newValue: () => false,
  target: (eb, p, context) =>
    eb.and([
      eb('dbo.Contact.Disable_Flag', '=', true),
      lastChangedByCwMaintApply(eb, 'Disable_Flag', 1, context),
      atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
    ]),
  // Re-enabling portal login at a status ConnectWise marks inactive would let a former client in.
  guards: [statusesMustBe('active', 'companyStatuses')],
  example: { companyTypes: [1], companyStatuses: [1] },
});
