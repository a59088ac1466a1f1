import type { RawBuilder, Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
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
  /** dbo.Contact's row count from the server's catalog (EngineStatements.catalogContacts); absent: only count(*). */
  catalogContacts?: () => RawBuilder<number | null>;
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
  /** The parameters of every job the config has an entry for, as written there (a guard may check one job against another). */
  configuredJobs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

type ParamSpecs = Record<string, ParamSpec>;
export type ParamsOf<S extends ParamSpecs> = { [K in keyof S]: z.output<S[K]['schema']> };
type ParamsInputOf<S extends ParamSpecs> = { [K in keyof S]?: z.input<S[K]['schema']> };
/** The names of the parameters whose value is of type T (a level: number; a switch: boolean). */
export type ParamKeysOf<S extends ParamSpecs, T> = { [K in keyof S]: z.output<S[K]['schema']> extends T ? K : never }[keyof S] & string;

/**
 * What a job writes, as data: a constant, or the value of one of its parameters. Never a function
 * and never an expression, so it cannot read the row it changes: every row of a run gets the same
 * value, and a second run finds every row it targets already holding it (idempotent by
 * construction; the property tests check it).
 */
export type NewValue<S extends ParamSpecs> = { readonly constant: number | boolean } | { readonly param: ParamKeysOf<S, number> };

/**
 * A job that takes back another job's change (restore-reactivated): it changes only rows whose
 * latest journaled change of its column wrote `value`, was made by `of`, and is untouched since.
 * The runner adds that condition itself; the job's own change is never one `of` names, so a
 * second run finds nothing to take back.
 */
export interface Reverts {
  /** The value the change taken back wrote (Disable_Flag = 1). */
  readonly value: number | boolean;
  /**
   * Whose changes: the applies of the named jobs, and an undo that re-applied one (an undo of an
   * undo of such an apply); or 'any-apply', any cw-maint apply at all (restore-reactivated before
   * issue 21, kept as a test job).
   */
  readonly of: { readonly jobs: readonly string[] } | 'any-apply';
}

/** With the switch `param` on, the job changes only rows whose column holds `holds` (onlyUnset: level 0). */
export interface OnlyWhere<K extends string = string> {
  readonly param: K;
  readonly holds: number;
}

/**
 * The value and the conditions on the written column, declared apart from the target, so that
 * `plan` can tell from the job files alone which jobs would undo each other's changes.
 */
type Writing<S extends ParamSpecs> =
  | { value: NewValue<S>; reverts?: Reverts }
  /** The before-value the journal holds for the change taken back (NULL stays NULL), as undo restores it. */
  | { value: 'journaled-before'; reverts: Reverts };

/**
 * Everything about one job, in its file under jobs/: parameters and their flags, the columns it
 * reads and the one it writes, the value it writes, its target (the published script's WHERE),
 * its guards, and an example for sql/compiled/. The runner does the rest the same way for every job.
 */
export type JobSpec<S extends ParamSpecs> = JobSpecBase<S> & Writing<S>;

interface JobSpecBase<S extends ParamSpecs> {
  name: string;
  summary: string;
  /** The published script it reproduces (a file under sql/original/), or null for a job of our own. */
  reproduces: { file: string; title: string } | null;
  params: S;
  /** The ConnectWise columns its target and new value read, per layout. */
  reads: ReadsByLayout;
  /** The one Contact column it changes. */
  writes: ChangeableColumn;
  /**
   * The published script's WHERE (its joins included), as a predicate on dbo.Contact, without any
   * condition on the column it writes or on the journal: those are `onlyWhere` and `reverts`
   * (a unit test checks the compiled target).
   */
  target(eb: ContactExpressionBuilder, params: ParamsOf<S>, context: TargetContext): Expression<SqlBool>;
  onlyWhere?: OnlyWhere<ParamKeysOf<S, boolean>>;
  guards?: readonly JobGuard<ParamsOf<S>>[];
  /** The plan reports how many of the rows it would change ConnectWise marks inactive (Contact.Inactive_Flag). */
  reportsInactiveContacts?: boolean;
  /** Parameters shown in sql/compiled/ (values appear only as bound parameters there). */
  example: ParamsInputOf<S>;
}

export interface JobDefinition<P extends Record<string, unknown> = Record<string, unknown>>
  extends Omit<JobSpecBase<ParamSpecs>, 'target' | 'onlyWhere' | 'guards' | 'example'> {
  /** The strict object schema built from `params`: unknown keys are errors. */
  paramsSchema: z.ZodType<P>;
  value: { readonly constant: number | boolean } | { readonly param: string } | 'journaled-before';
  reverts?: Reverts;
  onlyWhere?: OnlyWhere;
  target(eb: ContactExpressionBuilder, params: P, context: TargetContext): Expression<SqlBool>;
  guards: readonly JobGuard<P>[];
  reportsInactiveContacts: boolean;
  example: Record<string, unknown>;
}

export type AnyJob = JobDefinition<any>;

export function defineJob<S extends ParamSpecs>(spec: JobSpec<S>): JobDefinition<ParamsOf<S>> {
  if (spec.reverts && spec.reverts.of !== 'any-apply' && spec.reverts.of.jobs.includes(spec.name)) {
    throw new Error(`${spec.name}: a job cannot take back its own changes (reverts.of names it)`);
  }
  const shape = Object.fromEntries(Object.entries(spec.params).map(([key, p]) => [key, p.schema]));
  return {
    ...spec,
    paramsSchema: z.object(shape).strict() as unknown as z.ZodType<ParamsOf<S>>,
    guards: spec.guards ?? [],
    reportsInactiveContacts: spec.reportsInactiveContacts ?? false,
    example: spec.example as Record<string, unknown>,
  } as JobDefinition<ParamsOf<S>>;
}
