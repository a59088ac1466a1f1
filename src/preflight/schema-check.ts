import type { ColumnRef, Layout } from '../db/model/layout.js';
import { splitColumnRef } from '../db/model/layout.js';
import { loadLayouts, normalizeType, type LayoutContract, type NormalizedType } from './schema-contract.js';
import { findColumn, hasObject, type SchemaSnapshot } from '../db/catalog.js';

/** not-visible: the table exists but this login has no permission on it, so its columns cannot be read. */
export type ColumnStatus = 'ok' | 'missing' | 'wrong-type' | 'not-in-contract' | 'not-visible';

export interface ColumnResult {
  table: string;
  column: string;
  expected: NormalizedType | null;
  found: string | null;
  nullable: boolean | null;
  status: ColumnStatus;
}

export interface SchemaReport {
  /** The layout detected, or null when the database matches none we know. */
  layout: Layout | null;
  layoutDescription: string | null;
  required: Array<ColumnResult & { requiredBy: string[] }>;
  optional: Array<ColumnResult & { effect: string }>;
  /** Job name -> why it cannot run; a job absent here can run. */
  blocked: Record<string, string[]>;
  /** Optional audit columns found with a usable type; the apply sets exactly these. */
  auditColumns: string[];
}

/** Per layout, each job's columns: the caller derives them from the job files. */
export type Requirements = (layout: Layout) => ReadonlyMap<string, readonly ColumnRef[]>;

/**
 * Checks every job's columns against the snapshot. Collects every problem; throws nothing.
 * `hiddenTables` exist but are hidden from this login (no permission): they count as present for
 * the layout (a hidden Company_Company_Type is not a legacy database), and their columns as not visible.
 */
export function checkSchema(snapshot: SchemaSnapshot, requirements: Requirements, layouts = loadLayouts(), hiddenTables: readonly string[] = []): SchemaReport {
  const hidden = new Set(hiddenTables.map((t) => t.toLowerCase()));
  const isHidden = (qualified: string) => hidden.has(qualified.toLowerCase().split('.').slice(0, 2).join('.'));
  const layout = layouts.find((l) => detects(snapshot, l, isHidden)) ?? null;
  if (!layout) {
    const unseen = [...hidden].filter((t) => layouts.some((l) => [...l.detect.present, ...l.detect.absent].some((o) => o.toLowerCase().startsWith(t))));
    const why = unseen.length
      ? `the ConnectWise layout cannot be told: this login cannot see ${unseen.join(', ')} (no permission; see \`npm run job -- grants\`). It would be unsafe to continue.`
      : 'the ConnectWise schema matches no known layout (' +
        layouts.map((l) => `${l.layout}: needs ${l.detect.present.join(', ')}${l.detect.absent.length ? ` and no ${l.detect.absent.join(', ')}` : ''}`).join('; ') +
        '). It would be unsafe to continue.';
    const jobs = [...requirements(layouts[0]!.layout).keys()];
    return { layout: null, layoutDescription: null, required: [], optional: [], blocked: Object.fromEntries(jobs.map((job) => [job, [why]])), auditColumns: [] };
  }

  const byColumn = new Map<ColumnRef, string[]>();
  for (const [job, columns] of requirements(layout.layout)) {
    for (const ref of columns) byColumn.set(ref, [...(byColumn.get(ref) ?? []), job]);
  }
  const blocked: Record<string, string[]> = {};
  const required = [...byColumn].map(([ref, requiredBy]) => {
    const { table, column } = splitColumnRef(ref);
    const spec = layout.columns.find((c) => c.table === table && c.column.toLowerCase() === column.toLowerCase());
    const result = isHidden(table) ? notVisible(table, column, spec?.type ?? null) : checkColumn(snapshot, table, column, spec?.type ?? null);
    if (result.status !== 'ok') {
      const problem =
        result.status === 'not-visible'
          ? `${ref} cannot be checked: ${table} exists but this login has no permission on it`
          : result.status === 'missing'
          ? `${ref} not found`
          : result.status === 'wrong-type'
            ? `${ref} is ${result.found}, expected ${result.expected}`
            : `${ref} is not described by migrations-check/layouts/${layout.layout}.json`;
      for (const job of requiredBy) (blocked[job] ??= []).push(problem);
    }
    return { ...result, requiredBy };
  });
  const optional = layout.optional.map((spec) => ({ ...checkColumn(snapshot, spec.table, spec.column, spec.type), effect: spec.effect }));
  return {
    layout: layout.layout,
    layoutDescription: layout.description,
    required,
    optional,
    blocked,
    auditColumns: optional.filter((o) => o.status === 'ok').map((o) => o.column),
  };
}

/** A hidden table counts as present; a column of a hidden table cannot be known, so the layout is not detected. */
function detects(snapshot: SchemaSnapshot, layout: LayoutContract, isHidden: (qualified: string) => boolean): boolean {
  const present = (o: string) => (isHidden(o) ? o.split('.').length === 2 : hasObject(snapshot, o));
  const unknown = (o: string) => isHidden(o) && o.split('.').length > 2;
  if ([...layout.detect.present, ...layout.detect.absent].some(unknown)) return false;
  return layout.detect.present.every(present) && !layout.detect.absent.some(present);
}

function notVisible(table: string, column: string, expected: NormalizedType | null): ColumnResult {
  return { table, column, expected, found: null, nullable: null, status: 'not-visible' };
}

function checkColumn(snapshot: SchemaSnapshot, table: string, column: string, expected: NormalizedType | null): ColumnResult {
  const info = findColumn(snapshot, table, column);
  if (!info) return { table, column, expected, found: null, nullable: null, status: 'missing' };
  const base = { table, column, expected, found: info.dataType, nullable: info.nullable };
  if (!expected) return { ...base, status: 'not-in-contract' };
  return { ...base, status: normalizeType(info.dataType) === expected ? 'ok' : 'wrong-type' };
}

/** "revoke-inactive cannot run: dbo.Contact.Disable_Flag not found", one line per job. */
export function blockedMessages(report: SchemaReport, jobs?: readonly string[]): string[] {
  return Object.entries(report.blocked)
    .filter(([job]) => !jobs || jobs.includes(job))
    .map(([job, problems]) => `${job} cannot run: ${problems.join('; ')}`);
}
