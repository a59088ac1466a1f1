import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { z } from 'zod';
import type { ColumnRef, Layout } from '../db/model/layout.js';
import type { ChangeableColumn, Database } from '../db/model/schema.js';
import type { ParamSpec } from './params.js';

/** Expressions over dbo.Contact (unaliased: SQL Server's UPDATE takes no table alias). */
export type ContactExpressionBuilder = ExpressionBuilder<Database, 'dbo.Contact'>;

/** What a job's target query may depend on besides its parameters: facts read from the database. */
export interface TargetContext {
  layout: Layout;
  /** cw-maint's own schema: jobs that read the journal (restore-reactivated) name it. */
  journalSchema: string;
  /** The audit columns dbo.Contact has (what "nobody touched it since" can compare). */
  auditColumns: readonly string[];
}

/** The ConnectWise columns a piece of SQL reads, per layout (the type link differs). */
export type ReadsByLayout = Readonly<Record<Layout, readonly ColumnRef[]>>;

/**
 * A check that runs after the plan and before any write. It returns its problems (an empty list
 * passes); the runner turns them into a refusal. It declares the columns it reads.
 */
export interface JobGuard<P> {
  /** Read when present; a guard whose column is missing is skipped with a warning. */
  reads: readonly ColumnRef[];
  check(db: Kysely<Database>, params: P, context: GuardContext): Promise<string[]>;
}

export interface GuardContext {
  jobName: string;
  /** Company status RecIDs the DBA allowed past the status checks for this run (--allow-status, allowStatuses). */
  allowStatuses: readonly number[];
}

type ParamSpecs = Record<string, ParamSpec>;
export type ParamsOf<S extends ParamSpecs> = { [K in keyof S]: z.output<S[K]['schema']> };
type ParamsInputOf<S extends ParamSpecs> = { [K in keyof S]?: z.input<S[K]['schema']> };

/**
 * Everything about one job, in its file under jobs/: parameters and their flags, the columns it
 * reads and the one it writes, its target (the published script's WHERE), its guards, and an
 * example for sql/compiled/. The runner does the rest the same way for every job.
 */
export interface JobSpec<S extends ParamSpecs> {
  name: string;
  summary: string;
  /** The published script it reproduces (a file under sql/original/), or null for a job of our own. */
  reproduces: { file: string; title: string } | null;
  params: S;
  /** The ConnectWise columns its target and new value read, per layout. */
  reads: ReadsByLayout;
  /** The one Contact column it changes. */
  writes: ChangeableColumn;
  newValue(params: ParamsOf<S>): number | boolean;
  /** The published script's WHERE (its joins included), as a predicate on dbo.Contact. */
  target(eb: ContactExpressionBuilder, params: ParamsOf<S>, context: TargetContext): Expression<SqlBool>;
  guards?: readonly JobGuard<ParamsOf<S>>[];
  /** The plan reports how many of the rows it would change ConnectWise marks inactive (Contact.Inactive_Flag). */
  reportsInactiveContacts?: boolean;
  /** Parameters shown in sql/compiled/ (values appear only as bound parameters there). */
  example: ParamsInputOf<S>;
}

export interface JobDefinition<P extends Record<string, unknown> = Record<string, unknown>>
  extends Omit<JobSpec<ParamSpecs>, 'newValue' | 'target' | 'guards' | 'example'> {
  /** The strict object schema built from `params`: unknown keys are errors. */
  paramsSchema: z.ZodType<P>;
  newValue(params: P): number | boolean;
  target(eb: ContactExpressionBuilder, params: P, context: TargetContext): Expression<SqlBool>;
  guards: readonly JobGuard<P>[];
  reportsInactiveContacts: boolean;
  example: Record<string, unknown>;
}

export type AnyJob = JobDefinition<any>;

export function defineJob<S extends ParamSpecs>(spec: JobSpec<S>): JobDefinition<ParamsOf<S>> {
  const shape = Object.fromEntries(Object.entries(spec.params).map(([key, p]) => [key, p.schema]));
  return {
    ...spec,
    paramsSchema: z.object(shape).strict() as unknown as z.ZodType<ParamsOf<S>>,
    guards: spec.guards ?? [],
    reportsInactiveContacts: spec.reportsInactiveContacts ?? false,
    example: spec.example as Record<string, unknown>,
  };
}
