import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { CompanyTable, Database } from '../db/model/schema.js';
import { LAYOUTS, type ColumnRef, type Layout } from '../db/model/layout.js';
import type { ContactExpressionBuilder, ReadsByLayout, TargetContext } from './job-definition.js';

/**
 * The building blocks of the published scripts' WHERE clauses, as predicates on dbo.Contact.
 * Subqueries (not joins) keep every job a single-table UPDATE on both engines, and change each
 * contact once however many rows its joins produce (a company with several types).
 */

/** Contact.<flag> = 1 (bit on SQL Server, boolean on PostgreSQL; the driver binds `true` as either). */
export function contactFlagSet(eb: ContactExpressionBuilder, flag: 'Default_Flag' | 'Default_Billing_Flag' | 'Inactive_Flag'): Expression<SqlBool> {
  return eb(`dbo.Contact.${flag}`, '=', true);
}

/** The contact is not marked inactive (Inactive_Flag 0 or NULL). */
export function contactNotInactive(eb: ContactExpressionBuilder): Expression<SqlBool> {
  return eb.or([eb('dbo.Contact.Inactive_Flag', 'is', null), eb('dbo.Contact.Inactive_Flag', '=', false)]);
}

export interface CompanyFilter {
  statuses?: number[];
  types?: number[];
  companyId?: string;
  /** Only companies whose status ConnectWise marks active now (Company_Status.Inactive_Flag 0 or NULL), whatever was allowed. */
  active?: boolean;
}

/**
 * Every published script's joins: Contact INNER JOIN Company INNER JOIN Company_Status INNER JOIN
 * Company_Type, then its WHERE on those tables. A contact whose company, status row or type row
 * is missing is left out, as the inner joins leave it out. On the many-to-many layout the type
 * join goes through Company_Company_Type, so a company with no row there is left out too, and
 * one with several types matches when any of them is listed.
 */
export function atCompaniesMatching(eb: ContactExpressionBuilder, filter: CompanyFilter, context: TargetContext): Expression<SqlBool> {
  const companies = eb
    .selectFrom('dbo.Company as co')
    .select('co.Company_RecID')
    .where((cb) => {
      let status = cb.selectFrom('dbo.Company_Status as cs').select('cs.Company_Status_RecID').whereRef('cs.Company_Status_RecID', '=', 'co.Company_Status_RecID');
      if (filter.active) status = status.where((sb) => sb.or([sb('cs.Inactive_Flag', 'is', null), sb('cs.Inactive_Flag', '=', false)]));
      const conditions: Expression<SqlBool>[] = [
        cb.exists(status),
        companyHasType(cb, filter.types, context.layout),
      ];
      if (filter.statuses) conditions.push(cb('co.Company_Status_RecID', 'in', filter.statuses));
      if (filter.companyId !== undefined) conditions.push(cb('co.Company_ID', '=', filter.companyId));
      return cb.and(conditions);
    });
  return eb('dbo.Contact.Company_RecID', 'in', companies);
}

/** Expressions inside the Company subquery (aliased co). */
type CompanyExpressionBuilder = ExpressionBuilder<Database & { co: CompanyTable }, 'dbo.Contact' | 'co'>;

/** The Company_Type join of the scripts, per layout; with `types`, one of them must match. */
function companyHasType(cb: CompanyExpressionBuilder, types: number[] | undefined, layout: Layout): Expression<SqlBool> {
  switch (layout) {
    case 'legacy': {
      const exists = cb.exists(
        cb.selectFrom('dbo.Company_Type as ct').select('ct.Company_Type_RecID').whereRef('ct.Company_Type_RecID', '=', 'co.Company_Type_RecID'),
      );
      return types ? cb.and([cb('co.Company_Type_RecID', 'in', types), exists]) : exists;
    }
    case 'many-to-many': {
      let link = cb
        .selectFrom('dbo.Company_Company_Type as cct')
        .innerJoin('dbo.Company_Type as ct', 'ct.Company_Type_RecID', 'cct.Company_Type_RecID')
        .select('cct.Company_RecID')
        .whereRef('cct.Company_RecID', '=', 'co.Company_RecID');
      if (types) link = link.where('cct.Company_Type_RecID', 'in', types);
      return cb.exists(link);
    }
  }
}

/** What atCompaniesMatching reads, per layout (Company_ID only when a job filters on it: it adds that itself). */
const JOIN_READS: ReadsByLayout = {
  legacy: ['dbo.Company.Company_Type_RecID', 'dbo.Company_Type.Company_Type_RecID'],
  'many-to-many': ['dbo.Company_Company_Type.Company_RecID', 'dbo.Company_Company_Type.Company_Type_RecID', 'dbo.Company_Type.Company_Type_RecID'],
};
const COMMON_JOIN_READS: readonly ColumnRef[] = [
  'dbo.Contact.Company_RecID',
  'dbo.Company.Company_RecID',
  'dbo.Company.Company_Status_RecID',
  'dbo.Company_Status.Company_Status_RecID',
];

/** The reads of the scripts' joins plus a job's own columns, for its `reads`. */
export function readsWithScriptJoins(own: readonly ColumnRef[]): ReadsByLayout {
  return Object.fromEntries(LAYOUTS.map((layout) => [layout, [...COMMON_JOIN_READS, ...JOIN_READS[layout], ...own]])) as unknown as ReadsByLayout;
}
