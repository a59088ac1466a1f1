import { printable } from '../../printable.js';
import type { UndoPlan, UndoResult, UndoRow } from '../../run/undo/undo-run.js';
import { textTable } from './text-table.js';
import type { WrittenReport } from '../../report/report-file.js';

export function undoJson(result: UndoResult, report?: WrittenReport): string {
  const { plan } = result;
  return JSON.stringify({
    mode: result.mode === 'apply' ? 'undo' : 'dry-run',
    runId: result.runId,
    undoOf: plan.undoOf.runId,
    outcome: result.outcome,
    journaled: plan.journaled,
    restored: result.mode === 'apply' ? result.restored : plan.toRestore,
    conflicts: plan.conflicts,
    missing: plan.missing,
    auditChecked: plan.auditChecked,
    ...(report ? { report } : {}),
  });
}

export function undoPlanText(plan: UndoPlan): string {
  const lines = [
    `Undo of run ${plan.undoOf.runId} (${plan.undoOf.job}, ${plan.undoOf.mode}, ${plan.undoOf.startedAt.toISOString()}${plan.undoOf.ticket ? `, ticket ${printable(plan.undoOf.ticket)}` : ''}): ${plan.column}`,
    `  journaled   ${plan.journaled}`,
    `  restore     ${plan.toRestore}   (rows back to their value before run ${plan.undoOf.runId})`,
    `  conflicts   ${plan.conflicts}   (changed by someone since the run: left alone${plan.forcible ? `; --force restores ${plan.forcible} of them` : ''})`,
    ...(plan.missing ? [`  missing     ${plan.missing}   (contacts that no longer exist)`] : []),
  ];
  if (!plan.auditChecked) {
    lines.push(`  Run ${plan.undoOf.runId} was journaled before cw-maint recorded the audit columns: conflicts are detected on ${plan.column} only.`);
  }
  const table = (title: string, rows: UndoRow[]) =>
    rows.length
      ? ['', `  ${title}`, ...textTable(['Contact_RecID', 'Name', 'Company_ID', 'run wrote', 'now', 'restore to'], rows.map((r) => [String(r.contactRecId), r.name, r.companyId ?? '', show(r.runWrote), show(r.now), show(r.restoreTo)]), { indent: '  ', rule: true })]
      : [];
  lines.push(...table('rows to restore (first 20)', plan.restorePreview), ...table('conflicts (first 20)', plan.conflictPreview));
  return lines.join('\n');
}

export function undoReport(result: UndoResult): string {
  const lines = [undoPlanText(result.plan), ''];
  if (result.mode === 'dry-run') lines.push(`Dry run: nothing was changed. Recorded as run ${result.runId}.`);
  else if (result.outcome === 'declined') lines.push(`Not confirmed: nothing was changed. Recorded as run ${result.runId}.`);
  else lines.push(`Restored ${result.restored} rows in run ${result.runId} (undo of run ${result.plan.undoOf.runId}); the undo can itself be undone.`);
  return lines.join('\n');
}

const show = (value: number | null) => (value === null ? 'NULL' : String(value));
