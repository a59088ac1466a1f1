import { z } from 'zod';
import { atCompaniesWith } from '../src/runner/contact-filters.js';
import { defineJob } from '../src/runner/job-definition.js';
import { recIdList } from '../src/runner/params.js';

export default defineJob({
  name: 'revoke-inactive',
  summary: 'Revoke portal access (Disable_Flag = 1) for all contacts of inactive clients',
  originalScript: 'revoke-inactive.sql',
  params: z.object({ companyTypes: recIdList, companyStatuses: recIdList }).strict(),
  column: 'Disable_Flag',
  newValue: () => true,
  target: (eb, p, context) => atCompaniesWith(eb, { types: p.companyTypes, statuses: p.companyStatuses }, context),
  // Revoking for a status ConnectWise calls active would lock out paying clients.
  statusesMustBeInactive: (p) => p.companyStatuses,
});
