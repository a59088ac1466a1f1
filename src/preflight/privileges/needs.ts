import { splitColumnRef, type Layout } from '../../db/model/layout.js';
import { AUDIT_COLUMNS } from '../../db/model/schema.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import { jobColumns } from '../../vocabulary/required-columns.js';
import { COMMAND_NEEDS, OWN_SCHEMA_NEEDS } from './declared-needs.js';

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE';

/**
 * One permission cw-maint's login needs, and who needs it. The privilege preflight checks these,
 * and `grants` prints them: both from this one derivation, never from a hand-kept grant list.
 */
export interface PrivilegeNeed {
  /** "dbo.Contact" or "<journalSchema>.run" (as cw-maint names it; compared case-insensitively). */
  table: string;
  /** Column-level UPDATE; absent: the whole table. */
  column?: string;
  privilege: Privilege;
  /** The jobs and commands that need it (what a missing permission blocks). */
  neededBy: string[];
  /** Why, for the grant script's comment. */
  why: string;
  /** 'apply': only applies and undo need it (a dry run works without). */
  when: 'always' | 'apply';
}

export interface NeedsInput {
  jobs: readonly AnyJob[];
  /** The detected layout; null: only cw-maint's own schema is known (the schema check blocks the jobs). */
  layout: Layout | null;
  /** The audit columns dbo.Contact has: the apply and undo stamp them. */
  auditColumns: readonly string[];
  journalSchema: string;
}

/** Every permission the given jobs and all of cw-maint's commands need on this database. */
export function privilegeNeeds(input: NeedsInput): PrivilegeNeed[] {
  const needs = new Needs();
  const jobNames = input.jobs.map((j) => j.name);
  if (input.layout) {
    const layout = input.layout;
    for (const job of input.jobs) {
      const tables = new Set([...jobColumns(job, layout), ...job.guards.flatMap((g) => g.reads)].map((ref) => splitColumnRef(ref).table));
      for (const table of tables) needs.add({ table, privilege: 'SELECT', neededBy: [job.name], why: 'reads it to plan (its target, preview and report)', when: 'always' });
      needs.add({ table: 'dbo.Contact', column: job.writes, privilege: 'UPDATE', neededBy: [job.name], why: 'the column it sets', when: 'apply' });
    }
    for (const need of COMMAND_NEEDS) {
      for (const table of need.tables[layout]) needs.add({ table, privilege: 'SELECT', neededBy: [need.command], why: need.why, when: need.when });
    }
    const audit = AUDIT_COLUMNS.filter((c) => input.auditColumns.includes(c));
    for (const column of audit) {
      needs.add({ table: 'dbo.Contact', column, privilege: 'UPDATE', neededBy: [...jobNames, 'undo'], why: 'audit column stamped on every changed row, so integrations see the change', when: 'apply' });
    }
    // An undo needs UPDATE only on the column the undone run changed (and the audit columns).
    for (const column of ['Portal_Security_Level', 'Disable_Flag']) {
      needs.add({ table: 'dbo.Contact', column, privilege: 'UPDATE', neededBy: [undoOf(column)], why: 'undo restores the column a run changed', when: 'apply' });
    }
  }
  for (const need of OWN_SCHEMA_NEEDS) {
    if (need.onlyWithAuditColumns && !input.auditColumns.length) continue;
    const neededBy = need.neededBy === 'every-job' ? [...jobNames, ...need.commands] : need.commands;
    const table = `${input.journalSchema}.${need.table}`;
    for (const column of need.columns ?? [undefined]) needs.add({ table, column, privilege: need.privilege, neededBy, why: need.why, when: need.when });
  }
  return needs.list();
}

/** The same needs merged by table, column and privilege (the union of who needs each). */
export function mergeNeeds(needs: readonly PrivilegeNeed[]): PrivilegeNeed[] {
  const merged = new Needs();
  for (const need of needs) merged.add(need);
  return merged.list();
}

/** Needs merged by (table, column, privilege): who needs it is the union, `when` the widest. */
class Needs {
  readonly #byKey = new Map<string, PrivilegeNeed>();

  add(need: PrivilegeNeed): void {
    const key = `${need.table}|${need.column ?? ''}|${need.privilege}`.toLowerCase();
    const known = this.#byKey.get(key);
    if (!known) {
      this.#byKey.set(key, { ...need, neededBy: [...new Set(need.neededBy)] });
      return;
    }
    known.neededBy = [...new Set([...known.neededBy, ...need.neededBy])];
    if (need.when === 'always') known.when = 'always';
    if (!known.why.includes(need.why)) known.why = `${known.why}; ${need.why}`;
  }

  list(): PrivilegeNeed[] {
    return [...this.#byKey.values()];
  }
}

/** The name under which an undo of a run that changed `column` is checked (and named in grants). */
export function undoOf(column: string): string {
  return `undo of a ${column} change`;
}
