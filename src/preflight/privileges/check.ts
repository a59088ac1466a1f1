import { grantKey, type PrivilegeSnapshot } from './probe.js';
import type { PrivilegeNeed } from './needs.js';

export interface PrivilegeReport {
  /** Job or command name -> the permissions it lacks (one line each, naming table and column). */
  blocked: Record<string, Array<{ line: string; when: 'always' | 'apply' }>>;
  /** Far more than cw-maint needs (sysadmin, db_owner, superuser, owner): a warning, not a refusal. */
  warnings: string[];
  /** Every need checked, with whether it holds (migrations-check prints them). */
  checked: Array<PrivilegeNeed & { granted: boolean }>;
}

/**
 * Compares what the jobs and commands need with what the login has. A need on a table or column
 * that does not exist is left to the schema check (it reports that itself); a table that exists
 * but is hidden from this login is a missing permission, never an absent table.
 */
export function checkPrivileges(snapshot: PrivilegeSnapshot, needs: readonly PrivilegeNeed[], columnExists: (table: string, column: string) => boolean): PrivilegeReport {
  const blocked: PrivilegeReport['blocked'] = {};
  const checked: PrivilegeReport['checked'] = [];
  for (const need of needs) {
    if (!snapshot.existing.has(need.table.toLowerCase())) continue;
    if (need.column && !columnExists(need.table, need.column)) continue;
    const granted = snapshot.granted.has(grantKey(need.table, need.column, need.privilege));
    checked.push({ ...need, granted });
    if (granted) continue;
    const on = need.column ? `${need.table}.${need.column}` : need.table;
    const line = `no ${need.privilege} permission on ${on} (${need.why})`;
    for (const name of need.neededBy) (blocked[name] ??= []).push({ line, when: need.when });
  }
  const warnings = snapshot.elevated.map(
    (role) => `the login is ${role}: far more than cw-maint needs. Create a login of its own with \`npm run job -- grants\`.`,
  );
  return { blocked, warnings, checked };
}

/** The lines that stop `name` in `mode`, each saying what to grant. */
export function privilegeReasons(report: PrivilegeReport, name: string, mode: 'dry-run' | 'apply'): string[] {
  return (report.blocked[name] ?? [])
    .filter((b) => mode === 'apply' || b.when === 'always')
    .map((b) => `${name} cannot run: ${b.line}; see \`npm run job -- grants\``);
}
