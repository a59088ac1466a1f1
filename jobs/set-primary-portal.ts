import { atCompaniesMatching, contactFlagSet, contactNotInactive, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyStatuses, companyTypes, onlyUnset, portalLevel, skipInactiveContacts } from '../src/vocabulary/params.js';
import { statusesMustBe } from '../src/vocabulary/status-guard.js';

export default defineJob({
  name: 'set-primary-portal',
  summary: 'Set Portal_Security_Level for the primary contact (Default_Flag = 1) of active clients',
  reproduces: { file: 'set-primary-portal.sql', title: 'Set portal security for primary contact' },
  params: { level: portalLevel, companyTypes, companyStatuses, skipInactiveContacts, onlyUnset: onlyUnset(false) },
  reads: readsWithScriptJoins(['dbo.Contact.Default_Flag', 'dbo.Contact.Portal_Security_Level', 'dbo.Contact.Inactive_Flag']),
  writes: 'Portal_Security_Level',
  value: { param: 'level' },
  onlyWhere: { param: 'onlyUnset', holds: 0 },
  target: (eb, p, context) =>
    eb.and([
      contactFlagSet(eb, 'Default_Flag'),
      atCompaniesMatching(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
      ...(p.skipInactiveContacts ? [contactNotInactive(eb)] : []),
    ]),
  // Granting portal access for a status ConnectWise marks inactive would let clients who left in.
  guards: [statusesMustBe('active', 'companyStatuses')],
  reportsInactiveContacts: true,
  example: { level: 6, companyTypes: [1], companyStatuses: [1] },
});
