import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import { GuardRefusedError, ReportFileError, SchemaCheckError, UsageError } from '../../errors.js';
import { journalAuditColumns } from '../../journal/journal-audit.js';
import { recordRun } from '../../journal/run-record.js';
import type { Logger } from '../../log.js';
import { assertCanRun, historyWritable, preflight } from '../../preflight/preflight.js';
import { contractHash } from '../../preflight/schema-contract.js';
import { writeFileAtomically } from '../../report/report-file.js';
import type { ReportTarget } from '../../report/report-target.js';
import { VERSION } from '../../version.js';
import { changeFor } from '../../vocabulary/change.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import { buildPlan, type Plan } from '../job/plan.js';
import { prepareJob } from '../job/run-job.js';
import { digestOf, planFileBytes, PLAN_FORMAT_VERSION, type PlanFileRow, type PlanHeader } from './plan-file-format.js';
import { jobFingerprint } from './job-fingerprint.js';

export interface WrittenPlan {
  path: string;
  digest: string;
  /** The plan's own run, which anchors it in the database. */
  runId: number;
  rows: number;
  jobs: Array<{ job: string; column: string; plan: Plan }>;
}

/**
 * plan --out / <job> --dry-run --out: every configured job (or one) planned as an apply would
 * plan it, with each row's before-value and audit values as the server renders them, guarded,
 * recorded as a run of mode 'plan' with the file's digest, and written (mode 600, whole or not at
 * all). A plan an apply would refuse is not written.
 */
export async function writePlanFile(
  handle: DatabaseHandle,
  entries: ReadonlyArray<{ job: AnyJob; params: Record<string, unknown> }>,
  settings: RunSettings,
  target: ReportTarget,
  log: Logger,
): Promise<WrittenPlan> {
  const { db, adapter } = handle;
  const report = await preflight(handle, entries.map((e) => e.job), settings.journalSchema);
  for (const { job } of entries) assertCanRun(report, job.name, 'dry-run');
  if (!historyWritable(report)) {
    throw new SchemaCheckError("A saved plan is recorded in cw-maint's run table, which is not at this build's migration: run `npm run migrate` first. Nothing was written.");
  }
  const audit = journalAuditColumns(report.schema.auditColumns);
  const jobs: WrittenPlan['jobs'] = [];
  const headerJobs: PlanHeader['jobs'] = [];
  const rows: PlanFileRow[] = [];
  const problems: string[] = [];
  const owner = new Map<number, string>();
  const shared = new Set<number>();
  for (const { job, params } of entries) {
    const { context, run } = prepareJob(handle, job, params, settings, report, 'dry-run', log);
    await run.check?.();
    const change = changeFor(job, params, context);
    const plan = await buildPlan(db, job, params, change, context, { max: Number.MAX_SAFE_INTEGER, audit: { adapter, columns: audit } });
    const refusal = await run.guard?.(db, plan);
    if (refusal) problems.push(...refusal.problems.map((p) => `${job.name}: ${p}`));
    jobs.push({ job: job.name, column: job.writes, plan });
    headerJobs.push({ job: job.name, sql: jobFingerprint(db, job, params, context), params, column: job.writes, matched: plan.matched, changed: plan.changed, totalContacts: plan.totalContacts });
    for (const r of plan.rows ?? []) {
      if (owner.has(r.id)) shared.add(r.id);
      owner.set(r.id, job.name);
      rows.push({ job: job.name, id: r.id, column: job.writes, before: r.before, audit: audit.filter((a) => a.present).map((a) => r.audit![audit.indexOf(a)] ?? null), after: r.after ?? null });
    }
  }
  if (problems.length) throw new GuardRefusedError('The plan was not written: an apply of it would be refused by a safety guard.', problems);
  if (shared.size) {
    // Every apply stamps the audit columns: a contact the plan's first job changes would look drifted to the next.
    throw new UsageError(
      `The plan was not written: ${shared.size} contact(s) would be changed by more than one job (Contact_RecID ${[...shared].slice(0, 5).join(', ')}${shared.size > 5 ? ', …' : ''}). ` +
        'Write one plan per job (`npm run job -- <job> --dry-run --out FILE`), and plan the next job after the first is applied.',
    );
  }
  const facts = await adapter.introspector.databaseFacts(db);
  const header: PlanHeader = {
    cwMaintPlan: PLAN_FORMAT_VERSION,
    cwMaint: VERSION,
    engine: adapter.engine,
    database: facts.identity,
    plannedAt: facts.now,
    contract: contractHash(report.schema.layout!),
    layout: report.schema.layout!,
    ticket: settings.ticket ?? null,
    guards: { maxChanges: settings.maxChanges, maxPercent: settings.maxPercent, allowStatuses: [...settings.allowStatuses] },
    auditColumns: audit.filter((a) => a.present).map((a) => a.column),
    jobs: headerJobs,
    rows: rows.length,
  };
  const bytes = planFileBytes(header, rows);
  const digest = digestOf(bytes);
  const counts = jobs.reduce((sum, j) => ({ matched: sum.matched + j.plan.matched, changed: sum.changed + j.plan.changed, unchanged: sum.unchanged + j.plan.unchanged }), { matched: 0, changed: 0, unchanged: 0 });
  // Recorded first: a file whose digest the database does not hold is refused by apply.
  const runId = await recordRun(
    db,
    adapter,
    settings.journalSchema,
    {
      job: entries.length === 1 ? entries[0]!.job.name : 'plan',
      mode: 'plan',
      trigger: 'manual',
      params: Object.fromEntries(entries.map((e) => [e.job.name, e.params])),
      ticket: settings.ticket,
      config: settings.configSource,
      planDigest: digest,
    },
    { status: 'succeeded', ...counts },
  );
  try {
    await writeFileAtomically(target, bytes);
  } catch (error) {
    throw new ReportFileError(`--out ${target.path}: the plan (run ${runId}) could not be written: ${String((error as Error)?.message ?? error)}`, [], { cause: error });
  }
  return { path: target.path, digest, runId, rows: rows.length, jobs };
}
