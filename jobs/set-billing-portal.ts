import { z } from 'zod';
import { atCompaniesWith, contactFlagSet, portalLevelUnset } from '../src/runner/contact-filters.js';
import { defineJob } from '../src/runner/job-definition.js';
import { portalLevel, recIdList } from '../src/runner/params.js';

// The published script filters on Company.Default_Billing_Flag, which ConnectWise's Company
// table does not have: the billing flag is on the contact (see sql/original/set-billing-portal.sql).
export default defineJob({
  name: 'set-billing-portal',
  summary: 'Set Portal_Security_Level for the billing contact (Default_Billing_Flag = 1) of active clients',
  originalScript: 'set-billing-portal.sql',
  params: z
    .object({ level: portalLevel, companyTypes: recIdList, companyStatuses: recIdList, onlyUnset: z.boolean().default(true) })
    .strict(),
  column: 'Portal_Security_Level',
  newValue: (p) => p.level,
  target: (eb, p, context) =>
    eb.and([
      contactFlagSet(eb, 'Default_Billing_Flag'),
      atCompaniesWith(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
      ...(p.onlyUnset ? [portalLevelUnset(eb)] : []),
    ]),
});
