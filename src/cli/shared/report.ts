import { printable } from '../../printable.js';
import { ExitCode } from '../../errors.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import type { Plan } from '../../run/job/plan.js';
import type { RunResult } from '../../run/job/run-job.js';
import type { WrittenReport } from '../../report/report-file.js';
import { textTable } from './text-table.js';

/**
 * The --json object (cron wrappers and change tickets parse it): job, mode, outcome, runId (null
 * when none was recorded), matched = changed + unchanged, planned (rows the plan would change),
 * params, statements (SQL statements the process sent, each one round trip), and, when refused,
 * the reason and each problem; with --report, the file, its rows and its SHA-256.
 */
export function jsonReport(result: RunResult, statements?: number, report?: WrittenReport): string {
  // An apply that was refused or declined changed nothing: every matched row is unchanged.
  const changed = result.mode === 'apply' ? result.changed : result.plan.changed;
  return JSON.stringify({
    job: result.job,
    mode: result.mode,
    outcome: result.outcome,
    runId: result.runId,
    matched: result.plan.matched,
    changed,
    unchanged: result.plan.matched - changed,
    planned: result.plan.changed,
    params: result.params,
    ...(statements === undefined ? {} : { statements }),
    ...(result.refusal ? { reason: result.refusal.message, problems: result.refusal.problems } : {}),
    ...(report ? { report } : {}),
  });
}

/** A refused run (or a dry run whose apply would be refused) exits 5; declining at the prompt is no failure. */
export function exitCodeOf(result: RunResult): number {
  if (result.reportError !== undefined) return ExitCode.reportFailed;
  return result.outcome === 'refused' ? ExitCode.guard : ExitCode.ok;
}

/**
 * The report could not be written after the run's outcome was recorded (an apply committed): say
 * what was done and that the report is missing, so nobody takes exit 6 for a rollback.
 */
export function reportFailedLine(what: string, runId: number | null, reason: string): string {
  return `cw-maint: ${what}${runId === null ? '' : ` (run ${runId})`}, but the report could not be written: ${reason}. The run stands; \`npm run job -- show ${runId ?? '<runId>'}\` lists its rows.\n`;
}

export function planTable(job: AnyJob, plan: Plan): string {
  const lines = [
    `  matched    ${plan.matched}   (rows the ${job.reproduces ? "original script's " : "job's "}WHERE selects)`,
    `  changed    ${plan.changed}   (rows whose ${job.writes} differs)`,
    `  unchanged  ${plan.unchanged}`,
    `  of all     ${plan.totalContacts} contacts: ${plan.totalContacts ? ((100 * plan.changed) / plan.totalContacts).toFixed(1) : '0.0'}% would change`,
    ...(plan.inactiveContacts === null
      ? []
      : [`  inactive   ${plan.inactiveContacts}   (of the rows that would change, contacts ConnectWise marks inactive; --skip-inactive-contacts leaves them out)`]),
  ];
  if (plan.preview.length) {
    const header = ['Contact_RecID', 'Name', 'Company_ID', job.writes];
    const rows = plan.preview.map((r) => [
      String(r.contactRecId),
      r.name,
      r.companyId ?? '',
      `${r.oldValue === null ? 'NULL' : r.oldValue} -> ${r.newValue}`,
    ]);
    lines.push('', ...textTable(header, rows, { indent: '  ', rule: true }));
    if (plan.changed > plan.preview.length) lines.push(`  … and ${plan.changed - plan.preview.length} more`);
  }
  return lines.join('\n');
}

export function textReport(job: AnyJob, result: RunResult, target: string): string {
  const title = `${job.name} (${result.mode === 'apply' ? 'apply' : 'dry run'}) on ${printable(target)}, ConnectWise layout ${result.layout}`;
  const lines = [title, planTable(job, result.plan), ''];
  const recorded = result.historyWritten ? `Recorded as run ${result.runId}.` : 'History not written (cw-maint tables not migrated; run `npm run migrate`).';
  if (result.mode === 'dry-run') {
    if (result.refusal) lines.push('An apply of this plan would be refused by a safety guard (see below).');
    lines.push(`Dry run: nothing was changed. ${recorded}`);
  } else if (result.outcome === 'refused') {
    lines.push(`Refused by a safety guard (see below): nothing was changed. ${recorded}`);
  } else if (result.outcome === 'declined') {
    lines.push(`Not confirmed: nothing was changed. ${recorded}`);
  } else {
    lines.push(`Applied: ${result.changed} rows changed in run ${result.runId}; their before-values are in the journal.`);
  }
  return lines.join('\n');
}
