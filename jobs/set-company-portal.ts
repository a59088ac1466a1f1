import { z } from 'zod';
import { atCompanyId, portalLevelUnset } from '../src/runner/contact-filters.js';
import { defineJob } from '../src/runner/job-definition.js';
import { companyId, portalLevel } from '../src/runner/params.js';

export default defineJob({
  name: 'set-company-portal',
  summary: 'Set Portal_Security_Level for all contacts of one company, chosen by its Company_ID',
  originalScript: 'set-company-portal.sql',
  params: z.object({ level: portalLevel, companyId, onlyUnset: z.boolean().default(false) }).strict(),
  column: 'Portal_Security_Level',
  newValue: (p) => p.level,
  target: (eb, p) => eb.and([atCompanyId(eb, p.companyId), ...(p.onlyUnset ? [portalLevelUnset(eb)] : [])]),
});
