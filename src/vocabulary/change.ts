import { sql, type Expression, type RawBuilder, type SqlBool, type Updateable } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';
import { CHANGEABLE_COLUMN_KIND, type ChangeableColumn, type ContactTable } from '../db/model/schema.js';
import type { AnyJob, ContactExpressionBuilder, TargetContext } from './job-definition.js';
import { journaledBefore, latestChangeReverted } from './journal-filters.js';

/** The job's column, the value it writes, and how the statements read that value. */
export interface Change {
  column: ChangeableColumn;
  /** The value every changed row gets, as bound to the driver (a number for levels, a boolean for flags); null: each row's journaled before-value. */
  constant: number | boolean | null;
  /** `constant` as the journal stores it (flags as 0/1); null when each row has its own. */
  known: number | null;
  /** The new value as an int (the journal's form): an expression over dbo.Contact, read before the update. */
  journalValue: RawBuilder<number | null>;
}

/** The value the job writes with these parameters, as bound and as journaled; null when each row gets its own journaled before-value. */
export function knownValue(job: AnyJob, params: Record<string, unknown>): { constant: number | boolean; known: number } | null {
  const value = job.value;
  if (value === 'journaled-before') return null;
  const constant = 'constant' in value ? value.constant : (params[value.param] as number);
  return { constant, known: typeof constant === 'boolean' ? Number(constant) : constant };
}

/** What the job writes with these parameters: its declared value, resolved (never read from the row it changes). */
export function changeFor(job: AnyJob, params: Record<string, unknown>, context: TargetContext): Change {
  const value = knownValue(job, params);
  if (!value) return { column: job.writes, constant: null, known: null, journalValue: journaledBefore(job.writes, context) };
  return { column: job.writes, ...value, journalValue: sql<number>`cast(${value.known} as int)` };
}

/**
 * Every condition a job puts on a row: its target, its declared conditions on the column it
 * writes (onlyWhere), and, for a job that takes back another's change, that change's journal.
 */
export function jobWhere(eb: ContactExpressionBuilder, job: AnyJob, params: Record<string, unknown>, context: TargetContext): Expression<SqlBool> {
  const conditions = [job.target(eb, params, context)];
  if (job.onlyWhere && params[job.onlyWhere.param] === true) conditions.push(eb(`dbo.Contact.${job.writes}`, '=', job.onlyWhere.holds as never));
  if (job.reverts) conditions.push(latestChangeReverted(job.writes, job.reverts, context));
  return eb.and(conditions);
}

/** The rows an apply changes: the job's conditions, and the value differs. */
export function changing(eb: ContactExpressionBuilder, job: AnyJob, params: Record<string, unknown>, change: Change, context: TargetContext): Expression<SqlBool> {
  return eb.and([jobWhere(eb, job, params, context), differs(eb, change)]);
}

/** Rows whose value differs from the new one. NULL differs from everything but NULL, as the original UPDATE would overwrite it. */
export function differs(eb: ContactExpressionBuilder, change: Change): Expression<SqlBool> {
  const column = `dbo.Contact.${change.column}` as const;
  if (change.constant === null) {
    // NULL-safe with the per-row value written once (it is a subquery): both are ints, so a bigint
    // below every int stands for NULL and cannot meet a real value.
    const orBelowInt = (value: RawBuilder<unknown>) => sql`coalesce(cast(${value} as bigint), ${sql.lit(-2147483649)})`;
    return sql<SqlBool>`${orBelowInt(columnAsInt(change))} <> ${orBelowInt(change.journalValue)}`;
  }
  return eb.or([eb(column, 'is', null), eb(column, '<>', change.constant)]);
}

/** The column as an int on both engines (bit and boolean both cast to 0/1), for the journal and previews. */
export function columnAsInt(change: Pick<Change, 'column'>) {
  return sql<number | null>`cast(${sql.ref(`dbo.Contact.${change.column}`)} as int)`;
}

/** A journaled int as the column's own type: a flag cast to the engine's bit or boolean. */
export function typedValue(column: ChangeableColumn, adapter: EngineAdapter, value: RawBuilder<unknown>) {
  if (CHANGEABLE_COLUMN_KIND[column] === 'int') return value;
  const bool = adapter.statements.boolType;
  return sql`cast(${value} as ${typeof bool === 'string' ? sql.raw(bool) : (bool as RawBuilder<unknown>)})`;
}

/**
 * The SET list: the new value, and the audit columns this database has, so ConnectWise and every
 * integration that syncs on last-updated see the change.
 */
export function setList(
  change: Change,
  auditColumns: readonly string[],
  updatedBy: string,
  adapter: EngineAdapter,
): Updateable<ContactTable> {
  const value = change.constant ?? typedValue(change.column, adapter, change.journalValue);
  const set: Updateable<ContactTable> = { [change.column]: value as never };
  if (auditColumns.includes('Last_Update')) set.Last_Update = adapter.statements.localNow() as never;
  if (auditColumns.includes('Last_Update_UTC')) set.Last_Update_UTC = adapter.statements.utcNow() as never;
  if (auditColumns.includes('Updated_By')) set.Updated_By = updatedBy;
  return set;
}
