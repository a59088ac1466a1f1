import type { Kysely } from 'kysely';
import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import type { PlannedRow } from '../../db/engine/planned-rows.js';
import type { DatabaseIdentity } from '../../db/engine/database-identity.js';
import type { Database } from '../../db/model/schema.js';
import { PlanRefusedError, SchemaCheckError } from '../../errors.js';
import { journalAuditColumns } from '../../journal/journal-audit.js';
import { cwMaintTables } from '../../journal/tables.js';
import { assertCanRun, historyWritable, preflight, type PreflightReport } from '../../preflight/preflight.js';
import { contractHash } from '../../preflight/schema-contract.js';
import type { ReportRow } from '../../report/report-file.js';
import { VERSION } from '../../version.js';
import { changeFor } from '../../vocabulary/change.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import { batchSizeFor } from '../pipeline/batches.js';
import { concat, journaledRows } from '../pipeline/report-rows.js';
import { executeRun } from '../pipeline/run-pipeline.js';
import type { PipelineRequest, PipelineResult, RunKind } from '../pipeline/run-kind.js';
import type { Plan } from '../job/plan.js';
import { namesQuery, previewOf } from '../job/plan-preview.js';
import { jobSummary, prepareJob } from '../job/run-job.js';
import { checkDrift, driftText, type DriftedRow } from './drift.js';
import { jobFingerprint } from './job-fingerprint.js';
import type { PlanFile, PlanJob } from './plan-file-format.js';

/** A saved plan's job as it stands now: the planned rows that still apply, and those that drifted. */
export interface FilePlan extends Plan {
  drifted: DriftedRow[];
  newlyMatching: number;
}

export interface PlanFileRequest extends PipelineRequest<FilePlan> {
  file: PlanFile;
  /** Every job this build knows. */
  jobs: readonly AnyJob[];
  /** The share of a job's planned rows, in percent, that may have drifted; more refuses that job's apply. */
  maxDrift: number;
  maxAgeHours: number;
}

export interface PlanFileJobResult extends PipelineResult<FilePlan> {
  job: string;
  column: string;
}

/**
 * apply FILE [--dry-run]: a saved plan, checked against this database and build before anything
 * runs (another engine, database, version, job SQL or contract; a digest the database never
 * recorded or one already applied; too old or in the future: exit 8), then each job through the
 * one run pipeline, in the file's order, stopping at the first that does not succeed. Each
 * applies exactly the planned rows that still hold their before-values and audit values and match
 * its target: the check is in the UPDATE's own WHERE.
 */
export async function applyPlanFile(handle: DatabaseHandle, request: PlanFileRequest): Promise<PlanFileJobResult[]> {
  const { header, rows, digest } = request.file;
  const problems: string[] = [];
  const entries = header.jobs.map((h) => ({ h, job: request.jobs.find((j) => j.name === h.job) }));
  for (const { h, job } of entries) if (!job) problems.push(`job ${h.job} is not one this cw-maint has`);
  if (header.engine !== handle.adapter.engine) problems.push(`it was made on ${header.engine}, this is ${handle.adapter.engine}`);
  if (header.cwMaint !== VERSION) problems.push(`it was made by cw-maint ${header.cwMaint}, this is ${VERSION}: plan again with this version`);
  if (problems.length) throw refused(problems);

  const known = entries.map(({ h, job }) => ({ h, job: job!, params: paramsOf(job!, h) }));
  const schema = request.settings.journalSchema;
  const report = await preflight(handle, known.map((k) => k.job), schema);
  for (const { job } of known) assertCanRun(report, job.name, request.mode);
  if (!historyWritable(report)) throw new SchemaCheckError("cw-maint's run table is not at this build's migration: run `npm run migrate` first. Nothing was changed.");
  const layout = report.schema.layout!;
  if (layout !== header.layout || contractHash(layout) !== header.contract) problems.push(`the ConnectWise schema contract differs (plan: ${header.layout}, now: ${layout}${layout === header.layout ? ', another contract' : ''})`);
  const present = journalAuditColumns(report.schema.auditColumns).filter((a) => a.present).map((a) => a.column);
  if (present.join() !== header.auditColumns.join()) problems.push(`dbo.Contact's audit columns differ (plan: ${header.auditColumns.join(', ') || 'none'}; now: ${present.join(', ') || 'none'})`);
  for (const { h, job, params } of known) {
    const context = { layout, journalSchema: schema, auditColumns: report.schema.auditColumns };
    if (jobFingerprint(handle.db, job, params, context) !== h.sql) problems.push(`${job.name}: its target SQL differs from the one planned (another cw-maint build or schema)`);
  }
  const facts = await handle.adapter.introspector.databaseFacts(handle.db);
  problems.push(...identityProblems(header.database, facts.identity));
  if (problems.length) throw refused(problems);

  await assertRecordedAndUnused(handle.db, schema, digest);
  const age = await handle.adapter.introspector.secondsSince(handle.db, header.plannedAt);
  if (age < 0) throw refused([`its plan time ${header.plannedAt} (UTC, the server's clock) is in the future`]);
  if (age > request.maxAgeHours * 3600) {
    throw refused([`it is ${(age / 3600).toFixed(1)} hours old, more than planMaxAgeHours (${request.maxAgeHours}); plan again, or allow it for this run with --max-age ${Math.ceil(age / 3600)}`]);
  }

  const results: PlanFileJobResult[] = [];
  for (const { h, job, params } of known) {
    const kind = planFileKind(report, { job, params, header: h }, rows.filter((r) => r.job === job.name), request);
    const result = await executeRun(handle, kind, request);
    results.push({ job: job.name, column: job.writes, ...result });
    if (result.outcome !== 'succeeded') break;
  }
  return results;
}

/** Planned rows read back per statement where the engine has no batch size of its own. */
const DRIFT_ROWS = 20_000;

const refused = (problems: string[]) => new PlanRefusedError('The plan file was refused; nothing was changed:', problems);

function paramsOf(job: AnyJob, h: PlanJob): Record<string, unknown> {
  const parsed = job.paramsSchema.safeParse(h.params);
  if (!parsed.success) throw refused([`${job.name}: its parameters are not valid for this cw-maint (${parsed.error.issues[0]?.message ?? 'invalid'})`]);
  return parsed.data as Record<string, unknown>;
}

function identityProblems(planned: DatabaseIdentity, now: DatabaseIdentity): string[] {
  const fields = Object.keys(planned) as Array<keyof DatabaseIdentity>;
  const differing = fields.filter((f) => planned[f] !== now[f]);
  return differing.length
    ? [`it was made on another database (${differing.map((f) => `${f}: plan ${JSON.stringify(planned[f])}, here ${JSON.stringify(now[f])}`).join('; ')})`]
    : [];
}

/**
 * The plan's digest was recorded by this database (plan --out), and no apply of it succeeded; under
 * the run lock, `job`: no apply of this job of it (another process's, which won the lock first).
 */
async function assertRecordedAndUnused(db: Kysely<Database>, schema: string, digest: string, job?: string): Promise<void> {
  const runs = await db
    .selectFrom(cwMaintTables(schema).runAs)
    .select(['r.run_id', 'r.mode', 'r.status', 'r.job'])
    .where('r.plan_digest', '=', digest)
    .orderBy('r.run_id')
    .execute();
  if (!runs.some((r) => r.mode === 'plan')) throw refused([`this database never recorded a plan with its digest (${digest.slice(0, 12)}…): it was not written here by plan --out, or it was edited since`]);
  const applied = runs.filter((r) => r.mode === 'apply' && r.status === 'succeeded' && (job === undefined || r.job === job));
  if (applied.length) throw refused([`it was applied already (run ${applied.map((r) => `${r.run_id} ${r.job}`).join(', ')}); a plan applies once: plan again`]);
}

function planFileKind(
  report: PreflightReport,
  entry: { job: AnyJob; params: Record<string, unknown>; header: PlanJob },
  fileRows: PlanFile['rows'],
  request: PlanFileRequest,
): RunKind<FilePlan> {
  const { job, params } = entry;
  const header = request.file.header;
  // The reviewed guard settings, and the reviewed ticket unless this run names one.
  const settings: RunSettings = {
    ...request.settings,
    maxChanges: header.guards.maxChanges,
    maxPercent: header.guards.maxPercent,
    allowStatuses: header.guards.allowStatuses,
    ticket: request.settings.ticket ?? header.ticket ?? undefined,
  };
  const audit = journalAuditColumns(report.schema.auditColumns);
  // With every audit column present (the usual case) the file's rows already are planned rows: no copy of 100,000 of them.
  const slotsMatch = audit.every((a) => a.present) && header.auditColumns.join() === audit.map((a) => a.column).join();
  const planned: readonly PlannedRow[] = slotsMatch
    ? fileRows
    : fileRows.map((r) => ({ id: r.id, before: r.before, audit: audit.map((a) => (a.present ? (r.audit[header.auditColumns.indexOf(a.column)] ?? null) : null)) }));
  return {
    logFields: { job: job.name, plan: request.file.digest.slice(0, 12) },
    notifyAs: { job: job.name, applyMode: 'apply' },
    prepare: async (handle, log) => {
      const { context, run } = prepareJob(handle, job, params, settings, report, request.mode, log);
      const change = changeFor(job, params, context);
      // Read in chunks (a batch on SQL Server; on PostgreSQL at most DRIFT_ROWS a statement, so that memory stays flat).
      const batch = batchSizeFor(handle.adapter, settings.batchSize) ?? DRIFT_ROWS;
      const driftOf = async (db: Kysely<Database>): Promise<FilePlan> => {
        const d = await checkDrift(db, handle.adapter, { job, params, change, context, audit }, planned, batch, report.plannedRowsInline);
        return {
          matched: planned.length,
          changed: d.applying.length,
          unchanged: d.drifted.length,
          totalContacts: d.totalContacts,
          inactiveContacts: null,
          preview: await previewOf(db, change, d.applying),
          rows: d.applying,
          drifted: d.drifted,
          newlyMatching: d.newlyMatching,
        };
      };
      const named = (db: Kysely<Database>, rows: readonly { id: number; before: number | null; drift?: string }[]) => namedRows(db, change, job, rows);
      return {
        ...run,
        start: { ...run.start, params, ticket: settings.ticket, planDigest: request.file.digest },
        // The dry run of a saved plan writes nothing, its run row included.
        historyWritable: request.mode === 'apply',
        plan: driftOf,
        underLock: async (trx) => {
          await run.underLock?.(trx);
          await assertRecordedAndUnused(trx, settings.journalSchema, request.file.digest, job.name);
        },
        guard: async (db, plan) => {
          const refusal = await run.guard?.(db, plan);
          const problems = [...(refusal?.problems ?? [])];
          const share = plan.matched ? (100 * plan.drifted.length) / plan.matched : 0;
          if (share > request.maxDrift) {
            problems.push(
              `${plan.drifted.length} of the ${plan.matched} planned rows (${share.toFixed(1)}%) changed since the plan or no longer match, more than maxDrift (${request.maxDrift}%). ` +
                'Plan again, or allow it for this run with --max-drift.',
            );
          }
          return problems.length ? { message: `${job.name} refused; nothing was changed:`, problems } : undefined;
        },
        plannedRows: (db, plan) => named(db, [...plan.rows!, ...plan.drifted.map((d) => ({ ...d, drift: driftText(d, job.writes) }))]),
        appliedRows: (db, runId, plan) =>
          concat(journaledRows({ ...handle, db }, settings.journalSchema, runId, job.name), named(db, plan.drifted.map((d) => ({ ...d, drift: driftText(d, job.writes) })))),
        failedAndRolledBack: `${job.name} (saved plan) failed and was rolled back`,
      };
    },
    summarize: (r, m) => ({
      ...jobSummary(r, m, m === 'dry-run' ? `saved plan, dry run: ${r.plan.changed} rows would change, ${r.plan.drifted.length} drifted` : `saved plan ${r.outcome}: ${r.changed} rows changed, ${r.plan.drifted.length} drifted`),
      drifted: r.plan.drifted.length,
      newlyMatching: r.plan.newlyMatching,
    }),
  };
}

/** Planned rows with their names, in id order, 1,000 ids a statement; a drifted row carries its reason. */
async function* namedRows(
  db: Kysely<Database>,
  change: ReturnType<typeof changeFor>,
  job: AnyJob,
  rows: readonly { id: number; before: number | null; drift?: string }[],
): AsyncGenerator<ReportRow> {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  for (let i = 0; i < sorted.length; i += 1000) {
    const slice = sorted.slice(i, i + 1000);
    const names = new Map((await namesQuery(db, change, slice.map((r) => r.id)).execute()).map((n) => [Number(n.Contact_RecID), n]));
    for (const r of slice) {
      const n = names.get(r.id);
      yield {
        contactRecId: r.id,
        firstName: n?.First_Name ?? null,
        lastName: n?.Last_Name ?? null,
        companyId: n?.Company_ID ?? null,
        companyName: n?.Company_Name ?? null,
        job: job.name,
        column: job.writes,
        oldValue: r.before,
        newValue: change.known ?? (n?.new_value === null || n?.new_value === undefined ? null : Number(n.new_value)),
        ...(r.drift ? { drift: r.drift } : {}),
      };
    }
  }
}
