import { z } from 'zod';

/** "required" when the value is absent, else the message: the CLI adds where to give it. */
const requiredOr = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message);

/** Parameter shapes shared by the jobs. RecIDs differ per ConnectWise instance: always configuration. */
export const recIdList = z
  .array(z.number({ error: 'must be a RecID (a whole number)' }).int('must be a whole number').positive('must be > 0'), {
    error: requiredOr('must be a list of RecIDs'),
  })
  .min(1, 'must list at least one RecID');

export const portalLevel = z
  .number({ error: requiredOr('must be a portal security level from 1 to 6') })
  .int('must be a whole number')
  .min(1, 'must be from 1 to 6 (0 means no access; to revoke, use revoke-inactive)')
  .max(6, 'must be from 1 to 6 (the levels in Setup Tables > Portal Security)');

export const companyId = z.string({ error: requiredOr('must be a Company_ID (text)') }).trim().min(1, 'must not be empty').max(50);
