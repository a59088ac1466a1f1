import { loadLayouts, normalizeType, type LayoutContract, type NormalizedType } from './contract.js';
import { findColumn, hasObject, type SchemaSnapshot } from './inspect.js';

export type ColumnStatus = 'ok' | 'missing' | 'wrong-type';

export interface ColumnResult {
  table: string;
  column: string;
  expected: NormalizedType;
  found: string | null;
  nullable: boolean | null;
  status: ColumnStatus;
}

export interface SchemaReport {
  /** The layout detected, or null when the database matches none we know. */
  layout: string | null;
  layoutDescription: string | null;
  required: Array<ColumnResult & { requiredBy: string[] }>;
  optional: Array<ColumnResult & { effect: string }>;
  /** Job name -> why it cannot run; a job absent here can run. */
  blocked: Record<string, string[]>;
  /** Optional audit columns found with a usable type; the apply sets exactly these. */
  auditColumns: string[];
}

/** Checks every known job against the snapshot. Collects every problem; throws nothing. */
export function checkSchema(snapshot: SchemaSnapshot, jobNames: readonly string[], layouts = loadLayouts()): SchemaReport {
  const layout = layouts.find((l) => detects(snapshot, l)) ?? null;
  if (!layout) {
    const why =
      'the ConnectWise schema matches no known layout (' +
      layouts.map((l) => `${l.layout}: needs ${l.detect.present.join(', ')}`).join('; ') +
      '). It would be unsafe to continue.';
    return {
      layout: null,
      layoutDescription: null,
      required: [],
      optional: [],
      blocked: Object.fromEntries(jobNames.map((job) => [job, [why]])),
      auditColumns: [],
    };
  }

  const blocked: Record<string, string[]> = {};
  const required = layout.columns.map((spec) => {
    const requiredBy = spec.requiredBy === 'all' ? [...jobNames] : spec.requiredBy.filter((j) => jobNames.includes(j));
    const result = checkColumn(snapshot, spec.table, spec.column, spec.type);
    if (result.status !== 'ok') {
      const problem =
        result.status === 'missing'
          ? `${spec.table}.${spec.column} not found`
          : `${spec.table}.${spec.column} is ${result.found}, expected ${spec.type}`;
      for (const job of requiredBy) (blocked[job] ??= []).push(problem);
    }
    return { ...result, requiredBy };
  });
  const optional = layout.optional.map((spec) => ({
    ...checkColumn(snapshot, spec.table, spec.column, spec.type),
    effect: spec.effect,
  }));
  return {
    layout: layout.layout,
    layoutDescription: layout.description,
    required,
    optional,
    blocked,
    auditColumns: optional.filter((o) => o.status === 'ok').map((o) => o.column),
  };
}

function detects(snapshot: SchemaSnapshot, layout: LayoutContract): boolean {
  return layout.detect.present.every((o) => hasObject(snapshot, o)) && !layout.detect.absent.some((o) => hasObject(snapshot, o));
}

function checkColumn(snapshot: SchemaSnapshot, table: string, column: string, expected: NormalizedType): ColumnResult {
  const info = findColumn(snapshot, table, column);
  if (!info) return { table, column, expected, found: null, nullable: null, status: 'missing' };
  return {
    table,
    column,
    expected,
    found: info.dataType,
    nullable: info.nullable,
    status: normalizeType(info.dataType) === expected ? 'ok' : 'wrong-type',
  };
}

/** "revoke-inactive cannot run: dbo.Contact.Disable_Flag not found", one line per job. */
export function blockedMessages(report: SchemaReport, jobs?: readonly string[]): string[] {
  return Object.entries(report.blocked)
    .filter(([job]) => !jobs || jobs.includes(job))
    .map(([job, problems]) => `${job} cannot run: ${problems.join('; ')}`);
}
