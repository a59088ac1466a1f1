import fc from 'fast-check';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import type { DatabaseHandle } from '../../src/db/connect.js';
import type { ReportRow } from '../../src/report/report-file.js';
import { runJob, type RunResult } from '../../src/run/job/run-job.js';
import { undoRun } from '../../src/run/undo/undo-run.js';
import { resolveJobParams } from '../../src/vocabulary/job-params.js';
import { silentLog, TEST_SETTINGS } from './run.js';
import type { World } from './property-world.js';

/**
 * The model-based half of the property tests: random configurations of all six jobs, and random
 * sequences of what happens to a ConnectWise database between two runs (fc.commands): a job's
 * apply, an undo or an undo of an undo, and ConnectWise's own edits. Every apply is checked on the
 * way: its dry run's `changed` equals what it changes, and the dry run's report rows are exactly
 * the rows it journals.
 */
export interface JobEntry {
  name: string;
  params: Record<string, unknown>;
}
export interface Config {
  entries: JobEntry[];
  allowStatuses: number[];
}

const sub = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

/** Random parameters for every job, from the world's own RecIDs and Company_IDs; each job configured or not. */
export function configArb(world: World): fc.Arbitrary<Config> {
  const types = sub(world.types);
  const statuses = sub(world.statuses.map((s) => s.id));
  const portal = { level: fc.integer({ min: 1, max: 6 }), onlyUnset: fc.boolean(), skipInactiveContacts: fc.boolean() };
  const byJob: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    'set-primary-portal': fc.record({ ...portal, companyTypes: types, companyStatuses: statuses }),
    'set-billing-portal': fc.record({ ...portal, companyTypes: types, companyStatuses: statuses }),
    'set-company-portal': fc.record({ ...portal, companyId: fc.constantFrom(...world.companies.map((c) => c.companyId)) }),
    'revoke-inactive': fc.record({ companyTypes: types, companyStatuses: statuses }),
    'revoke-inactive-contacts': fc.record({ companyTypes: types, companyStatuses: statuses }, { requiredKeys: ['companyTypes'] }),
    'restore-reactivated': fc.record({ companyTypes: types, companyStatuses: statuses }),
  };
  const entries = Object.entries(byJob).map(([name, params]) => fc.option(params.map((p) => ({ name, params: p })), { freq: 2 }));
  return fc.record({ entries: fc.tuple(...entries).map((list) => list.filter((e): e is JobEntry => e !== null)), allowStatuses: fc.subarray(world.statuses.map((s) => s.id)) });
}

export function settingsFor(config: Config) {
  return { ...TEST_SETTINGS, allowStatuses: config.allowStatuses, configuredJobs: Object.fromEntries(config.entries.map((e) => [e.name, e.params])) };
}

export function configured(config: Config) {
  return config.entries.map((e) => {
    const job = JOBS.find((j) => j.name === e.name)!;
    return { job, params: resolveJobParams(job, { jobs: { [e.name]: e.params } } as never).params };
  });
}

async function collect(rows: AsyncIterable<ReportRow>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of rows) out.push(`${r.contactRecId}:${r.oldValue}->${r.newValue}`);
  return out.sort();
}

/** A job's dry run, then its apply: the same count, and the dry run's report rows are the rows journaled. */
export async function checkedApply(h: DatabaseHandle, config: Config, entry: JobEntry): Promise<RunResult> {
  const { job, params } = configured({ ...config, entries: [entry] })[0]!;
  const request = { job, params, trigger: 'manual' as const, settings: settingsFor(config), log: silentLog };
  let planned: string[] = [];
  const dry = await runJob(h, { ...request, mode: 'dry-run', report: async (rows) => (planned = await collect(rows)) });
  const applied = await runJob(h, { ...request, mode: 'apply' });
  expect(applied.outcome, `${entry.name} apply`).toBe(dry.outcome);
  if (applied.outcome !== 'succeeded') return applied;
  expect(applied.changed, `${entry.name}: the dry run's changed is what the apply changes`).toBe(dry.plan.changed);
  const { rows } = await sql<{ c: number; o: number | null; n: number | null }>`SELECT contact_recid AS c, old_value AS o, new_value AS n FROM ${sql.table('cw_maint.journal')} WHERE run_id = ${applied.runId}`.execute(h.db);
  expect(rows.map((r) => `${r.c}:${r.o}->${r.n}`).sort(), `${entry.name}: the dry run's report rows are the journaled rows`).toEqual(planned);
  return applied;
}

export async function undo(h: DatabaseHandle, runId: number) {
  return undoRun(h, { runId, mode: 'apply', force: false, trigger: 'manual', settings: TEST_SETTINGS, log: silentLog });
}

export interface Model {
  /** Runs that changed rows and are not undone yet: what an undo may take. */
  undoable: number[];
}
export interface Real {
  h: DatabaseHandle;
  world: World;
  config: Config;
  /** Technician edits stamp Last_Update later each time. */
  clock: number;
}
type Command = fc.AsyncCommand<Model, Real>;

class Apply implements Command {
  constructor(readonly index: number) {}
  check = (_m: Readonly<Model>) => true;
  async run(m: Model, r: Real) {
    if (!r.config.entries.length) return;
    const result = await checkedApply(r.h, r.config, r.config.entries[this.index % r.config.entries.length]!);
    if (result.changed > 0) m.undoable.push(result.runId!);
  }
  toString = () => `apply(${this.index})`;
}

class Undo implements Command {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.undoable.length > 0;
  async run(m: Model, r: Real) {
    const [runId] = m.undoable.splice(this.index % m.undoable.length, 1);
    const result = await undo(r.h, runId!);
    if (result.restored > 0) m.undoable.push(result.runId!);
  }
  toString = () => `undo(${this.index})`;
}

/** ConnectWise's own edits: a company's status (or none), a contact's Inactive_Flag, a technician's edit. */
class Edit implements Command {
  constructor(readonly kind: 'status' | 'inactive' | 'level' | 'disable' | 'name', readonly index: number, readonly value: number | null) {}
  check = (_m: Readonly<Model>) => true;
  async run(_m: Model, r: Real) {
    const { world, h } = r;
    if (this.kind === 'status') {
      if (!world.companies.length) return;
      const company = world.companies[this.index % world.companies.length]!;
      const status = this.value === null ? null : world.statuses[this.value % world.statuses.length]!.id;
      await h.db.updateTable('dbo.Company').set({ Company_Status_RecID: status }).where('Company_RecID', '=', company.id).execute();
      return;
    }
    if (!world.contacts.length) return;
    const id = world.contacts[this.index % world.contacts.length]!.id;
    const flag = this.value === null ? null : this.value % 2 === 1;
    const stamp = { Updated_By: 'technician', Last_Update: new Date(Date.UTC(2025, 0, 1) + ++r.clock * 60_000) };
    const set =
      this.kind === 'inactive' ? { Inactive_Flag: flag, ...stamp }
      : this.kind === 'level' ? { Portal_Security_Level: this.value === null ? null : this.value % 7, ...stamp }
      : this.kind === 'disable' ? { Disable_Flag: flag, ...stamp }
      : { First_Name: `Edited ${r.clock}`, ...stamp };
    await h.db.updateTable('dbo.Contact').set(set).where('Contact_RecID', '=', id).execute();
  }
  toString = () => `edit(${this.kind}, ${this.index}, ${this.value})`;
}

export const commandsArb = (maxCommands: number) =>
  fc.commands(
    [
      fc.nat({ max: 5 }).map((i) => new Apply(i)),
      fc.nat({ max: 5 }).map((i) => new Undo(i)),
      fc.tuple(fc.constantFrom('status', 'inactive', 'level', 'disable', 'name' as const), fc.nat({ max: 9 }), fc.option(fc.nat({ max: 9 }), { freq: 4 })).map(
        ([kind, index, value]) => new Edit(kind as Edit['kind'], index, value),
      ),
    ],
    { maxCommands },
  );
