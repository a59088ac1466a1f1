import { atCompaniesMatching, contactNotInactive, readsWithScriptJoins } from '../src/vocabulary/contact-filters.js';
import { defineJob } from '../src/vocabulary/job-definition.js';
import { companyId, onlyUnset, portalLevel, skipInactiveContacts } from '../src/vocabulary/params.js';
import { companyMustBeActive } from '../src/vocabulary/status-guard.js';

export default defineJob({
  name: 'set-company-portal',
  summary: 'Set Portal_Security_Level for all contacts of one company, chosen by its Company_ID',
  reproduces: { file: 'set-company-portal.sql', title: 'Set portal security for all contacts as a specific company' },
  params: { level: portalLevel, companyId, skipInactiveContacts, onlyUnset: onlyUnset(false) },
  // The script joins Company_Status and Company_Type too, with no condition on them: a company
  // without a status or type row is left out all the same.
  reads: readsWithScriptJoins(['dbo.Company.Company_ID', 'dbo.Contact.Portal_Security_Level', 'dbo.Contact.Inactive_Flag']),
  writes: 'Portal_Security_Level',
  value: { param: 'level' },
  onlyWhere: { param: 'onlyUnset', holds: 0 },
  target: (eb, p, context) =>
    eb.and([
      atCompaniesMatching(eb, { companyId: p.companyId }, context),
      ...(p.skipInactiveContacts ? [contactNotInactive(eb)] : []),
    ]),
  // As the other portal jobs: granting portal access at a company whose status ConnectWise marks
  // inactive (a "Former Client") would let a client who left back in.
  guards: [companyMustBeActive('companyId')],
  reportsInactiveContacts: true,
  example: { level: 1, companyId: 'deskdirector' },
});
