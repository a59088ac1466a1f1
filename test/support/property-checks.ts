import fc from 'fast-check';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import type { FixtureLayout } from '../../src/fixture/create-schema.js';
import { runJob } from '../../src/run/job/run-job.js';
import { originalScriptSql, type OriginalScript } from './original-scripts.js';
import { checkedApply, configured, settingsFor, undo, type Config } from './property-model.js';
import { contactState, loadWorld, type World } from './property-world.js';
import { silentLog } from './run.js';

/** The facts the property tests check, each on a world already loaded (or loading it), shared with the kept counterexamples. */

/** The published scripts as jobs, with random parameters from the world. */
export function scriptCaseArb(world: World): fc.Arbitrary<OriginalScript> {
  const types = fc.subarray(world.types, { minLength: 1 });
  const statuses = fc.subarray(world.statuses.map((s) => s.id), { minLength: 1 });
  const level = fc.integer({ min: 1, max: 6 });
  return fc.oneof(
    fc.record({ job: fc.constantFrom('set-primary-portal' as const, 'set-billing-portal' as const), level, types, statuses, onlyUnset: fc.boolean() }),
    fc.record({ job: fc.constant('set-company-portal' as const), level, companyId: fc.constantFrom(...world.companies.map((c) => c.companyId)), onlyUnset: fc.boolean() }),
    fc.record({ job: fc.constant('revoke-inactive' as const), types, statuses }),
  );
}

function jobParams(c: OriginalScript): Record<string, unknown> {
  if (c.job === 'revoke-inactive') return { companyTypes: c.types, companyStatuses: c.statuses };
  if (c.job === 'set-company-portal') return { level: c.level, companyId: c.companyId, onlyUnset: c.onlyUnset };
  return { level: c.level, companyTypes: c.types, companyStatuses: c.statuses, onlyUnset: c.onlyUnset };
}

/** The published script and the job on the same world end with the same dbo.Contact; a second apply changes nothing. */
export async function checkScript(h: DatabaseHandle, layout: FixtureLayout, world: World, script: OriginalScript) {
  await loadWorld(h, world);
  await sql.raw(originalScriptSql({ engine: h.adapter.engine } as never, layout, script)).execute(h.db);
  const expected = await contactState(h);
  await loadWorld(h, world);
  const entry = { name: script.job, params: jobParams(script) };
  // Every status allowed: the status guards are checked elsewhere; this compares with the script.
  const config: Config = { entries: [entry], allowStatuses: world.statuses.map((s) => s.id) };
  await checkedApply(h, config, entry);
  expect(await contactState(h)).toEqual(expected);
  const { job, params } = configured(config)[0]!;
  const again = await runJob(h, { job, params, mode: 'apply', trigger: 'manual', settings: settingsFor(config), log: silentLog });
  expect(again.changed, 'a second apply changes nothing').toBe(0);
}

/** Apply one configured job, then undo it: dbo.Contact is as before on every column but the audit columns. */
export async function applyThenUndo(h: DatabaseHandle, config: Config, pick: number) {
  if (!config.entries.length) return;
  const before = await contactState(h);
  const applied = await checkedApply(h, config, config.entries[pick % config.entries.length]!);
  if (applied.changed > 0) expect((await undo(h, applied.runId!)).restored).toBe(applied.changed);
  expect(await contactState(h)).toEqual(before);
}

/** A full pass of the configured jobs in `order`, then a second pass: the second changes nothing. */
export async function twoPasses(h: DatabaseHandle, config: Config, order: number[]) {
  const jobs = configured(config);
  const ordered = order.filter((i) => i < jobs.length).map((i) => jobs[i]!);
  const pass = async () => {
    const changed: string[] = [];
    for (const { job, params } of ordered) {
      const r = await runJob(h, { job, params, mode: 'apply', trigger: 'schedule', settings: settingsFor(config), log: silentLog });
      if (r.changed) changed.push(`${job.name} changed ${r.changed}`);
    }
    return changed;
  };
  await pass();
  expect(await pass(), `second pass in order ${ordered.map((j) => j.job.name).join(', ')}`).toEqual([]);
}
