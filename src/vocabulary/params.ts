import { z } from 'zod';
import type { ConnectWiseTable } from '../db/model/layout.js';

/**
 * One job parameter: its schema, its command-line flag and help, and (for RecIDs and
 * Company_IDs) the ConnectWise column its values must exist in. A job file lists the parameters
 * it takes; the CLI, the config check, the preflight and `--help` all derive from that list.
 */
export interface ParamSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Commander syntax: '--level <n>' takes a value; '--only-unset' is a switch. */
  flag: string;
  help: string;
  /** A switch's opposite ('--overwrite' for '--only-unset'). */
  negate?: { flag: string; help: string };
  /** Flag text -> the value the schema validates (non-digits stay text so the schema can name them). */
  fromFlag?: (text: string) => unknown;
  /** The values must exist in this column; checked against the database before any plan. */
  mustExistIn?: ExistenceCheck;
}

export interface ExistenceCheck {
  table: ConnectWiseTable;
  column: string;
  /** Shown beside each valid value in the error ("1 = Active"). */
  label: string;
  /** 'recid': every valid value is listed; 'text': the nearest ones are (ignoring case). */
  kind: 'recid' | 'text';
}

/** "required" when the value is absent, else the message: the CLI adds where to give it. */
const requiredOr = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message);

/** "1, 2" -> [1, 2]; anything that is not digits stays text so validation names it. */
export function listOfNumbers(text: string): unknown[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => numberOrText(part.trim()));
}

export function numberOrText(text: string): unknown {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

const recIdList = z
  .array(z.number({ error: 'must be a RecID (a whole number)' }).int('must be a whole number').positive('must be > 0'), {
    error: requiredOr('must be a list of RecIDs'),
  })
  .min(1, 'must list at least one RecID');

/** The parameter shapes the jobs share. RecIDs differ per ConnectWise instance: always configuration. */
export const portalLevel = {
  schema: z
    .number({ error: requiredOr('must be a portal security level from 1 to 6') })
    .int('must be a whole number')
    .min(1, 'must be from 1 to 6 (0 means no access; to revoke, use revoke-inactive)')
    .max(6, 'must be from 1 to 6 (the levels in Setup Tables > Portal Security)'),
  flag: '--level <n>',
  help: 'portal security level 1-6 (Setup Tables > Portal Security)',
  fromFlag: numberOrText,
} satisfies ParamSpec;

export const companyTypes = {
  schema: recIdList,
  flag: '--types <ids>',
  help: 'company type RecIDs, comma-separated (dbo.Company_Type)',
  fromFlag: listOfNumbers,
  mustExistIn: { table: 'dbo.Company_Type', column: 'Company_Type_RecID', label: 'Description', kind: 'recid' },
} satisfies ParamSpec;

export const companyStatuses = {
  schema: recIdList,
  flag: '--statuses <ids>',
  help: 'company status RecIDs, comma-separated (dbo.Company_Status)',
  fromFlag: listOfNumbers,
  mustExistIn: { table: 'dbo.Company_Status', column: 'Company_Status_RecID', label: 'Description', kind: 'recid' },
} satisfies ParamSpec;

/**
 * Kept exactly as given, and compared by the server: SQL Server's `=` ignores trailing spaces
 * but not leading ones, so " Co00287" is not "Co00287" there, and cw-maint must not say it is.
 */
export const companyId = {
  schema: z
    .string({ error: requiredOr('must be a Company_ID (text)') })
    .refine((text) => text.trim() !== '', 'must not be empty')
    .max(50, "must be at most 50 characters (the length of ConnectWise's Company_ID)"),
  flag: '--company <Company_ID>',
  help: 'the Company_ID of the company (as in ConnectWise, e.g. "ACME")',
  mustExistIn: { table: 'dbo.Company', column: 'Company_ID', label: 'Company_Name', kind: 'text' },
} satisfies ParamSpec;

/** Only contacts whose level is still 0 (NULL is not 0, as in the published scripts). */
export function onlyUnset(defaultValue: boolean) {
  return {
    schema: z.boolean({ error: 'must be true or false' }).default(defaultValue),
    flag: '--only-unset',
    help: `only contacts whose level is still 0${defaultValue ? ' (the default)' : ''}`,
    negate: { flag: '--overwrite', help: `also contacts that already have a level${defaultValue ? '' : ' (the default)'}` },
  } satisfies ParamSpec;
}

/** "--level N or "level" in the config": where a missing parameter can be given. */
export function whereToGive(key: string, spec: ParamSpec): string {
  const flag = spec.flag.replace(/<(\w+)>/, (_, arg: string) => (arg === 'ids' ? '1,2' : arg.toUpperCase()));
  return `${flag} or "${key}" in the config`;
}

/**
 * Leave out the contacts ConnectWise marks inactive (Contact.Inactive_Flag = 1): ex-employees of
 * a client should not get portal access. Off by default, as in the published scripts.
 */
export const skipInactiveContacts = {
  schema: z.boolean({ error: 'must be true or false' }).default(false),
  flag: '--skip-inactive-contacts',
  help: 'leave out contacts ConnectWise marks inactive (Contact.Inactive_Flag = 1)',
} satisfies ParamSpec;

/** Company statuses as an optional filter: absent, every status matches. */
export const optionalCompanyStatuses = {
  ...companyStatuses,
  schema: companyStatuses.schema.optional(),
  help: 'only at companies of these status RecIDs, comma-separated (default: any status)',
} satisfies ParamSpec;
