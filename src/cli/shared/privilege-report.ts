import type { PrivilegeReport } from '../../preflight/privileges/check.js';

/** The privilege part of the migrations-check report: each permission checked, and warnings. */
export function privilegeLines(report: { privileges: PrivilegeReport }): string[] {
  const { checked, warnings } = report.privileges;
  const missing = checked.filter((c) => !c.granted);
  const lines = [`Permissions of this login: ${checked.length - missing.length} of ${checked.length} that cw-maint needs are granted.`];
  for (const c of missing) {
    lines.push(`  MISSING ${c.privilege} on ${c.table}${c.column ? `.${c.column}` : ''}  needed by ${c.neededBy.join(', ')}`);
  }
  for (const warning of warnings) lines.push(`WARNING: ${warning}`);
  return lines;
}

export function privilegeJson(report: { privileges: PrivilegeReport }) {
  const { checked, warnings } = report.privileges;
  return {
    missing: checked.filter((c) => !c.granted).map(({ table, column, privilege, neededBy }) => ({ table, column: column ?? null, privilege, neededBy })),
    granted: checked.filter((c) => c.granted).length,
    warnings,
  };
}
