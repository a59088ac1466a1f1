import { sql, type RawBuilder } from 'kysely';

/**
 * NULL-safe comparisons in plain SQL, for both engines (T-SQL has no IS [NOT] DISTINCT FROM before
 * 2022). Use the one you mean and never negate it: in SQL, NOT of an unknown stays unknown.
 */
export const same = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) => sql<boolean>`(${a} = ${b} OR (${a} IS NULL AND ${b} IS NULL))`;

export const differs = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
  sql<boolean>`(${a} <> ${b} OR (${a} IS NULL AND ${b} IS NOT NULL) OR (${a} IS NOT NULL AND ${b} IS NULL))`;
