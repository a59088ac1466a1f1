import { atCompaniesMatching, contactFlagSet, contactNotInactive, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes, onlyUnset, portalLevel, skipInactiveContacts } from '../src/vocabulary/params.js';
import { statusesMustBe } from '../src/vocabulary/status-guard.js';

// The published script filters on Company.Default_Billing_Flag, which ConnectWise's Company table
// does not have: the billing flag is the contact's. This job uses Contact.Default_Billing_Flag,
// its one deliberate difference (see sql/original/set-billing-portal.sql).
export default defineJob({
  name: 'set-billing-portal',
  summary: 'Set Portal_Security_Level for the billing contact (Default_Billing_Flag = 1) of active clients',
  reproduces: { file: 'set-billing-portal.sql', title: 'Set portal security level for billing contact' },
  params: { level: portalLevel, companyTypes, companyStatuses, skipInactiveContacts, onlyUnset: onlyUnset(true) },
  reads: readsWithScriptJoins(['dbo.Contact.Default_Billing_Flag', 'dbo.Contact.Portal_Security_Level', 'dbo.Contact.Inactive_Flag']),
  writes: 'Portal_Security_Level',
  value: { param: 'level' },
  onlyWhere: { param: 'onlyUnset', holds: 0 },
  target: (eb, p, context) =>
    eb.and([
      contactFlagSet(eb, 'Default_Billing_Flag'),
      atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
      ...(p.skipInactiveContacts ? [contactNotInactive(eb)] : []),
    ]),
  // Granting portal access for a status ConnectWise marks inactive would let clients who left in.
  guards: [statusesMustBe('active', 'companyStatuses')],
  reportsInactiveContacts: true,
  example: { level: 4, companyTypes: [1], companyStatuses: [1] },
});
