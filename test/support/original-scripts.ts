import { readFileSync } from 'node:fs';
import type { TestEngine } from './engines.js';

/**
 * The reference side of the differential tests: the published scripts themselves, read from
 * sql/original/, with the article's example values replaced by the test's, exactly as a DBA
 * edits them in SSMS (values spliced as literals: this is test data). Each edit must find its
 * spot in the published text, or the test fails: a changed file cannot pass unnoticed.
 *
 * Edits beyond the values, each one documented where cw-maint differs or extends:
 * - billing: dbo.Contact.Default_Billing_Flag for the published dbo.Company.Default_Billing_Flag
 *   (a column ConnectWise does not have);
 * - onlyUnset (cw-maint's option, from the "only unset vs overwrite" choice): adds or drops
 *   "AND ( dbo.Contact.Portal_Security_Level = 0 )";
 * - many-to-many layout: the Company_Type join goes through dbo.Company_Company_Type;
 * - PostgreSQL: the same FROM ... WHERE as a semi-join, names quoted, flags compared to true.
 */
export type OriginalScript =
  | { job: 'set-primary-portal' | 'set-billing-portal'; level: number; types: number[]; statuses: number[]; onlyUnset: boolean }
  | { job: 'set-company-portal'; level: number; companyId: string; onlyUnset: boolean }
  | { job: 'revoke-inactive'; types: number[]; statuses: number[] };

const LEVEL_ZERO = 'AND ( dbo.Contact.Portal_Security_Level = 0 )';
const TYPE_JOIN = 'INNER JOIN dbo.Company_Type ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID';
const TYPE_JOIN_MANY_TO_MANY =
  'INNER JOIN dbo.Company_Company_Type ON dbo.Company_Company_Type.Company_RecID = dbo.Company.Company_RecID ' +
  'INNER JOIN dbo.Company_Type ON dbo.Company_Company_Type.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID';

/** The published statement, one line, comments dropped. */
export function publishedScript(job: OriginalScript['job']): string {
  const text = readFileSync(new URL(`../../sql/original/${job}.sql`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function edit(text: string, find: RegExp | string, replacement: string): string {
  const count = typeof find === 'string' ? text.split(find).length - 1 : (text.match(new RegExp(find, 'g')) ?? []).length;
  if (count !== 1) throw new Error(`published script: expected exactly one ${String(find)}, found ${count}`);
  return text.replace(find, replacement);
}

export function originalScriptSql(engine: TestEngine, layout: 'legacy' | 'many-to-many', script: OriginalScript): string {
  let text = publishedScript(script.job);
  if ('level' in script) text = edit(text, /SET Contact\.Portal_Security_Level = \d+/, `SET Contact.Portal_Security_Level = ${script.level}`);
  if ('types' in script) {
    text = edit(text, /\( dbo\.Company_Type\.Company_Type_RecID = \d+ \)/, `( dbo.Company_Type.Company_Type_RecID IN (${script.types.join(', ')}) )`);
    text = edit(text, /\( dbo\.Company_Status\.Company_Status_RecID = \d+ \)/, `( dbo.Company_Status.Company_Status_RecID IN (${script.statuses.join(', ')}) )`);
  }
  if ('companyId' in script) text = edit(text, /dbo\.Company\.Company_ID = '[^']*'/, `dbo.Company.Company_ID = '${script.companyId.replace(/'/g, "''")}'`);
  if (script.job === 'set-billing-portal') text = edit(text, 'dbo.Company.Default_Billing_Flag', 'dbo.Contact.Default_Billing_Flag');
  if ('onlyUnset' in script) {
    const published = text.includes(LEVEL_ZERO);
    if (published && !script.onlyUnset) text = edit(text, ` ${LEVEL_ZERO}`, '');
    if (!published && script.onlyUnset) text = `${text} ${LEVEL_ZERO}`;
  }
  if (layout === 'many-to-many') text = edit(text, TYPE_JOIN, TYPE_JOIN_MANY_TO_MANY);
  return engine.engine === 'mssql' ? text : forPostgres(text);
}

/** UPDATE Contact SET Contact.X = v FROM <joins> WHERE <w>  ->  a semi-join on Contact_RecID, as PostgreSQL has no UPDATE ... JOIN. */
export function forPostgres(tsql: string): string {
  const m = /^UPDATE Contact SET Contact\.(\w+) = (\S+) FROM (.*)$/.exec(tsql);
  if (!m) throw new Error(`published script not in the expected shape: ${tsql}`);
  const [, column, value, rest] = m;
  const quote = (s: string) =>
    s
      .replace(/\b(Default_Flag|Default_Billing_Flag|Disable_Flag|Inactive_Flag) = 1\b/g, '$1 = true')
      .replace(/\bdbo\.(\w+)(?:\.(\w+))?/g, (_, table: string, col?: string) => `"dbo"."${table}"${col ? `."${col}"` : ''}`);
  const setValue = column === 'Disable_Flag' ? 'true' : value!;
  return `UPDATE "dbo"."Contact" SET "${column}" = ${setValue} WHERE "Contact_RecID" IN (SELECT "dbo"."Contact"."Contact_RecID" FROM ${quote(rest!)})`;
}
