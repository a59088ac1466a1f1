import { atCompaniesMatching, contactNotInactive, portalLevelUnset, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyId, onlyUnset, portalLevel, skipInactiveContacts } from '../src/vocabulary/params.js';

export default defineJob({
  name: 'set-company-portal',
  summary: 'Set Portal_Security_Level for all contacts of one company, chosen by its Company_ID',
  reproduces: { file: 'set-company-portal.sql', title: 'Set portal security for all contacts as a specific company' },
  params: { level: portalLevel, companyId, skipInactiveContacts, onlyUnset: onlyUnset(false) },
  // The script joins Company_Status and Company_Type too, with no condition on them: a company
  // without a status or type row is left out all the same.
  reads: readsWithScriptJoins(['dbo.Company.Company_ID', 'dbo.Contact.Portal_Security_Level', 'dbo.Contact.Inactive_Flag']),
  writes: 'Portal_Security_Level',
  newValue: (p) => p.level,
  target: (eb, p, context) =>
    eb.and([
      atCompaniesMatching(eb, { companyId: p.companyId }, context),
      ...(p.onlyUnset ? [portalLevelUnset(eb)] : []),
      ...(p.skipInactiveContacts ? [contactNotInactive(eb)] : []),
    ]),
  reportsInactiveContacts: true,
  example: { level: 1, companyId: 'deskdirector' },
});
