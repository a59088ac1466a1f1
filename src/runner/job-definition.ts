import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { z } from 'zod';
import type { ChangeableColumn, Database } from '../db/schema.js';

/** Expressions over dbo.Contact (unaliased: SQL Server's UPDATE takes no table alias). */
export type ContactExpressionBuilder = ExpressionBuilder<Database, 'dbo.Contact'>;

/** What a job's target query may depend on besides its parameters: facts read from the database. */
export interface TargetContext {
  /** The ConnectWise layout migrations-check detected ('legacy' | 'many-to-many'). */
  layout: string;
}

/**
 * A job is data: its parameters, the Contact rows it targets and the one column it changes.
 * The runner does everything else (plan, guards, journal, apply, report) the same way for all.
 */
export interface JobDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  summary: string;
  /** The published script it reproduces, under sql/original/. */
  originalScript: string;
  params: z.ZodType<P, any>;
  column: ChangeableColumn;
  newValue(params: P): number | boolean;
  /** The original script's WHERE clause, as an expression over dbo.Contact. */
  target(eb: ContactExpressionBuilder, params: P, context: TargetContext): Expression<SqlBool>;
  /** Company status RecIDs that must all be inactive in ConnectWise (guard for revoking jobs). */
  statusesMustBeInactive?(params: P): number[];
}

export function defineJob<P extends Record<string, unknown>>(job: JobDefinition<P>): JobDefinition<P> {
  return job;
}

export type AnyJob = JobDefinition<any>;
