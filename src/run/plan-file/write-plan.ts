import type { RunSettings } from '../../config/run-settings.js';
import type { DatabaseHandle } from '../../db/connect.js';
import { CwMaintError, GuardRefusedError, ReportFileError, RunFailedError, SchemaCheckError, UsageError } from '../../errors.js';
import { journalAuditColumns } from '../../journal/journal-audit.js';
import { recordRun } from '../../journal/run-record.js';
import type { Logger } from '../../log.js';
import { assertCanRun, historyWritable, preflight } from '../../preflight/preflight.js';
import { contractHash } from '../../preflight/schema-contract.js';
import { writeFileAtomically } from '../../report/report-file.js';
import type { ReportTarget } from '../../report/report-target.js';
import { VERSION } from '../../version.js';
import { sql, type Kysely } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import { keysetPagesOn } from '../../db/keyset-pages.js';
import type { Database } from '../../db/model/schema.js';
import { changeFor, changing, columnAsInt, type Change } from '../../vocabulary/change.js';
import type { AnyJob, TargetContext } from '../../vocabulary/job-definition.js';
import type { Plan } from '../job/plan.js';
import { prepareJob } from '../job/run-job.js';
import { planLine, PLAN_FORMAT_VERSION, type PlanFileRow, type PlanHeader } from './plan-file-format.js';
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
  const present = audit.filter((a) => a.present);
  const jobs: WrittenPlan['jobs'] = [];
  const planned: Array<{ job: AnyJob; params: Record<string, unknown>; change: Change; context: TargetContext }> = [];
  const headerJobs: PlanHeader['jobs'] = [];
  const problems: string[] = [];
  for (const { job, params } of entries) {
    const { context, run } = prepareJob(handle, job, params, settings, report, 'dry-run', log);
    await run.check?.();
    const plan = await run.plan(db);
    const refusal = await run.guard?.(db, plan);
    if (refusal) problems.push(...refusal.problems.map((p) => `${job.name}: ${p}`));
    jobs.push({ job: job.name, column: job.writes, plan });
    planned.push({ job, params, change: changeFor(job, params, context), context });
    headerJobs.push({ job: job.name, sql: jobFingerprint(db, job, params, context), params, column: job.writes, matched: plan.matched, changed: plan.changed, totalContacts: plan.totalContacts });
  }
  if (problems.length) throw new GuardRefusedError('The plan was not written: an apply of it would be refused by a safety guard.', problems);
  const facts = await adapter.introspector.databaseFacts(db);
  const rowCount = jobs.reduce((n, j) => n + j.plan.changed, 0);
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
    auditColumns: present.map((a) => a.column),
    jobs: headerJobs,
    rows: rowCount,
  };
  const counts = jobs.reduce((sum, j) => ({ matched: sum.matched + j.plan.matched, changed: sum.changed + j.plan.changed, unchanged: sum.unchanged + j.plan.unchanged }), { matched: 0, changed: 0, unchanged: 0 });
  let digest = '';
  let runId = 0;
  // The rows are streamed to the file in keyset pages (memory stays flat at any size), then the
  // digest is recorded, and only then the file takes its name.
  const written = writeFileAtomically(
    target,
    async (write) => {
      await write(planLine(header));
      const owner = new Map<number, string>();
      for (const [i, p] of planned.entries()) {
        let written = 0;
        for await (const r of auditedRows(db, adapter, p, audit)) {
          const other = owner.get(r.id);
          // Every apply stamps the audit columns: a contact the plan's first job changes would look drifted to the next.
          if (other !== undefined) {
            throw new UsageError(
              `The plan was not written: contact ${r.id} would be changed by ${other} and by ${p.job.name}. ` +
                'Write one plan per job (`npm run job -- <job> --dry-run --out FILE`), and plan the next job after the first is applied.',
            );
          }
          owner.set(r.id, p.job.name);
          written++;
          const row: PlanFileRow = { job: p.job.name, id: r.id, column: p.job.writes, before: r.before, audit: r.audit, after: r.after };
          await write(planLine(row));
        }
        if (written !== jobs[i]!.plan.changed) {
          throw new RunFailedError(`The data changed while the plan was written (${p.job.name}: counted ${jobs[i]!.plan.changed} rows, then read ${written}); nothing was written. Run it again.`);
        }
      }
    },
    async (sha256) => {
      digest = sha256;
      // Recorded before the file takes its name: a file whose digest the database does not hold is refused by apply.
      runId = await recordRun(
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
    },
  );
  await written.catch((error: unknown) => {
    if (error instanceof CwMaintError) throw error;
    throw new ReportFileError(`--out ${target.path}: the plan could not be written (${String((error as Error)?.message ?? error)}); there is no file to apply`, [], { cause: error });
  });
  return { path: target.path, digest, runId, rows: rowCount, jobs };
}

/** Every row the job would change, with its value before and after and its audit values as the server renders them, in keyset pages. */
export async function* auditedRows(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  p: { job: AnyJob; params: Record<string, unknown>; change: Change; context: TargetContext },
  audit: ReadonlyArray<{ column: string; present: boolean; kind: 'time' | 'text' }>,
): AsyncGenerator<{ id: number; before: number | null; after: number | null; audit: Array<string | null> }> {
  const present = audit.filter((a) => a.present);
  const rows = keysetPagesOn(
    (page) =>
      db
        .selectFrom('dbo.Contact')
        .where((eb) => changing(eb, p.job, p.params, p.change, p.context))
        .$if(page.after !== null, (q) => q.where('dbo.Contact.Contact_RecID', '>', page.after!))
        .select([
          'dbo.Contact.Contact_RecID as id',
          columnAsInt(p.change).as('before'),
          p.change.journalValue.as('after'),
          ...present.map((a, i) => adapter.statements.auditText(sql.ref(`dbo.Contact.${a.column}`), a.kind).as(`a${i}`)),
        ])
        .orderBy('dbo.Contact.Contact_RecID')
        .offset(0)
        .fetch(page.rows)
        .execute() as Promise<Array<Record<string, unknown>>>,
    (r) => Number(r.id),
    PAGE,
  );
  for await (const r of rows) {
    const number = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    yield { id: Number(r.id), before: number(r.before), after: p.change.known ?? number(r.after), audit: present.map((_, i) => (r[`a${i}`] === null ? null : String(r[`a${i}`]))) };
  }
}

/** Rows per statement when a plan's rows are read. */
const PAGE = 10_000;
