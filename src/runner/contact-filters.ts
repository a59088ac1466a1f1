import type { Expression, SqlBool } from 'kysely';
import type { ContactExpressionBuilder, TargetContext } from './job-definition.js';

/**
 * The building blocks of the original scripts' WHERE clauses, as predicates on dbo.Contact.
 * Subqueries (not joins) keep every job a single-table UPDATE on both engines.
 */

/** Contact.<flag> = 1 (bit on SQL Server, boolean on PostgreSQL; the driver binds `true` as either). */
export function contactFlagSet(
  eb: ContactExpressionBuilder,
  flag: 'Default_Flag' | 'Default_Billing_Flag',
): Expression<SqlBool> {
  return eb(`dbo.Contact.${flag}`, '=', true);
}

/** Portal_Security_Level = 0. NULL is not 0, as in the original scripts. */
export function portalLevelUnset(eb: ContactExpressionBuilder): Expression<SqlBool> {
  return eb('dbo.Contact.Portal_Security_Level', '=', 0);
}

/**
 * The contact's company has one of `statuses` and one of `types`. Legacy layout: the type is
 * Company.Company_Type_RecID. Many-to-many layout: any row of Company_Company_Type matches.
 */
export function atCompaniesWith(
  eb: ContactExpressionBuilder,
  filter: { types: number[]; statuses: number[] },
  context: TargetContext,
): Expression<SqlBool> {
  const companies = eb
    .selectFrom('dbo.Company as co')
    .select('co.Company_RecID')
    .where('co.Company_Status_RecID', 'in', filter.statuses)
    .where((cb) =>
      context.layout === 'legacy'
        ? cb('co.Company_Type_RecID', 'in', filter.types)
        : cb.exists(
            cb
              .selectFrom('dbo.Company_Company_Type as cct')
              .select('cct.Company_RecID')
              .whereRef('cct.Company_RecID', '=', 'co.Company_RecID')
              .where('cct.Company_Type_RecID', 'in', filter.types),
          ),
    );
  return eb('dbo.Contact.Company_RecID', 'in', companies);
}

/** The contact's company has this Company_ID (compared under the database's collation). */
export function atCompanyId(eb: ContactExpressionBuilder, companyId: string): Expression<SqlBool> {
  return eb(
    'dbo.Contact.Company_RecID',
    'in',
    eb.selectFrom('dbo.Company as co').select('co.Company_RecID').where('co.Company_ID', '=', companyId),
  );
}
