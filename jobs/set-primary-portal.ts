import { z } from 'zod';
import { atCompaniesWith, contactFlagSet, portalLevelUnset } from '../src/runner/contact-filters.js';
import { defineJob } from '../src/runner/job-definition.js';
import { portalLevel, recIdList } from '../src/runner/params.js';

export default defineJob({
  name: 'set-primary-portal',
  summary: 'Set Portal_Security_Level for the primary contact (Default_Flag = 1) of active clients',
  originalScript: 'set-primary-portal.sql',
  params: z
    .object({ level: portalLevel, companyTypes: recIdList, companyStatuses: recIdList, onlyUnset: z.boolean().default(false) })
    .strict(),
  column: 'Portal_Security_Level',
  newValue: (p) => p.level,
  target: (eb, p, context) =>
    eb.and([
      contactFlagSet(eb, 'Default_Flag'),
      atCompaniesWith(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
      ...(p.onlyUnset ? [portalLevelUnset(eb)] : []),
    ]),
});
