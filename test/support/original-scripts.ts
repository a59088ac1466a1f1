import type { TestEngine } from './engines.js';

/**
 * The original scripts' logic (sql/original/), as each engine can run it, with the
 * configured values spliced in as literals exactly as a DBA edits them in SSMS. Used only as
 * the reference side of the differential tests. Values are numbers or quoted here: test data.
 *
 * Billing: Contact.Default_Billing_Flag, not the published Company.Default_Billing_Flag (a bug).
 * Many-to-many layout: the post-2016.3 form joins Company_Company_Type instead of reading
 * Company.Company_Type_RecID.
 */
export type OriginalScript =
  | { job: 'set-primary-portal' | 'set-billing-portal'; level: number; types: number[]; statuses: number[]; onlyUnset: boolean }
  | { job: 'set-company-portal'; level: number; companyId: string; onlyUnset: boolean }
  | { job: 'revoke-inactive'; types: number[]; statuses: number[] };

export function originalScriptSql(engine: TestEngine, layout: 'legacy' | 'many-to-many', script: OriginalScript): string {
  const tsql = engine.engine === 'mssql';
  const t = tsql ? 1 : 'true';
  const q = (name: string) => (tsql ? name : name.replace(/\b(dbo)\.(\w+)/g, '"$1"."$2"').replace(/\.(\w+_\w+|Description)\b/g, '."$1"'));
  let set: string;
  const where: string[] = [];
  let joins = 'INNER JOIN dbo.Company ON dbo.Contact.Company_RecID = dbo.Company.Company_RecID';
  if (script.job === 'revoke-inactive' || script.job === 'set-primary-portal' || script.job === 'set-billing-portal') {
    joins += ' INNER JOIN dbo.Company_Status ON dbo.Company.Company_Status_RecID = dbo.Company_Status.Company_Status_RecID';
    if (layout === 'legacy') {
      joins += ' INNER JOIN dbo.Company_Type ON dbo.Company.Company_Type_RecID = dbo.Company_Type.Company_Type_RecID';
      where.push(`dbo.Company_Type.Company_Type_RecID IN (${script.types.join(', ')})`);
    } else {
      joins += ' INNER JOIN dbo.Company_Company_Type ON dbo.Company_Company_Type.Company_RecID = dbo.Company.Company_RecID';
      where.push(`dbo.Company_Company_Type.Company_Type_RecID IN (${script.types.join(', ')})`);
    }
    where.push(`dbo.Company_Status.Company_Status_RecID IN (${script.statuses.join(', ')})`);
  }
  if (script.job === 'revoke-inactive') {
    set = `Disable_Flag = ${t}`;
  } else {
    set = `Portal_Security_Level = ${script.level}`;
    if (script.job === 'set-primary-portal') where.push(`dbo.Contact.Default_Flag = ${t}`);
    if (script.job === 'set-billing-portal') where.push(`dbo.Contact.Default_Billing_Flag = ${t}`);
    if (script.job === 'set-company-portal') where.push(`dbo.Company.Company_ID = '${script.companyId.replace(/'/g, "''")}'`);
    if (script.onlyUnset) where.push('dbo.Contact.Portal_Security_Level = 0');
  }
  if (tsql) {
    // The published shape: UPDATE ... FROM ... INNER JOIN (SQL Server updates each row once).
    return `UPDATE Contact SET Contact.${set} FROM dbo.Contact ${joins} WHERE ${where.join(' AND ')}`;
  }
  // PostgreSQL has no UPDATE ... JOIN: the same joins as a semi-join on Contact_RecID.
  const select = `SELECT dbo.Contact.Contact_RecID FROM dbo.Contact ${joins} WHERE ${where.join(' AND ')}`;
  return q(`UPDATE dbo.Contact SET ${set} WHERE dbo.Contact.Contact_RecID IN (${select})`).replace(/SET (\w+) =/, 'SET "$1" =');
}
