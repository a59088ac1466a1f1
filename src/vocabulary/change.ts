import { sql, type Expression, type SqlBool, type Updateable } from 'kysely';
import type { EngineAdapter } from '../db/engines.js';
import type { ContactTable } from '../db/model/schema.js';
import type { AnyJob, ContactExpressionBuilder } from './job-definition.js';

/** The job's column, new value and the predicates that say which targeted rows actually change. */
export interface Change {
  column: AnyJob['writes'];
  /** As bound to the driver: a number for levels, a boolean for flags. */
  value: number | boolean;
  /** As stored in the journal: flags as 0/1. */
  journalValue: number;
}

export function changeFor(job: AnyJob, params: Record<string, unknown>): Change {
  const value = job.newValue(params);
  return { column: job.writes, value, journalValue: typeof value === 'boolean' ? Number(value) : value };
}

/** Rows whose value differs from the new one. NULL differs from everything, as the original UPDATE would overwrite it. */
export function differs(eb: ContactExpressionBuilder, change: Change): Expression<SqlBool> {
  const column = `dbo.Contact.${change.column}` as const;
  return eb.or([eb(column, 'is', null), eb(column, '<>', change.value)]);
}

/** The column as an int on both engines (bit and boolean both cast to 0/1), for the journal and previews. */
export function columnAsInt(change: Change) {
  return sql<number | null>`cast(${sql.ref(`dbo.Contact.${change.column}`)} as int)`;
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
  const set: Updateable<ContactTable> = { [change.column]: change.value };
  if (auditColumns.includes('Last_Update')) set.Last_Update = adapter.statements.localNow() as never;
  if (auditColumns.includes('Last_Update_UTC')) set.Last_Update_UTC = adapter.statements.utcNow() as never;
  if (auditColumns.includes('Updated_By')) set.Updated_By = updatedBy;
  return set;
}
