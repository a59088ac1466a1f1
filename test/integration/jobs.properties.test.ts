import fc from 'fast-check';
import { afterAll, beforeAll, describe, inject, it, vi } from 'vitest';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { AUDIT_COLUMNS } from '../../src/db/model/schema.js';
import type { FixtureLayout } from '../../src/fixture/create-schema.js';
import { findFights } from '../../src/run/job/converge.js';
import { applyThenUndo, checkScript, scriptCaseArb, twoPasses } from '../support/property-checks.js';
import { commandsArb, configArb, configured } from '../support/property-model.js';
import { loadWorld, openPropertyDatabase, worldArb } from '../support/property-world.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The schema does not change during a property run, so the preflight's catalog read (26 of the
// 40 ms of a dry run on PGlite) is done once per database and job list; every other step of every
// run goes through the real pipeline.
vi.mock('../../src/preflight/preflight.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/preflight/preflight.js')>();
  const cache = new WeakMap<object, Map<string, ReturnType<typeof real.preflight>>>();
  const preflight: typeof real.preflight = (handle, jobs, schema) => {
    const byJobs = cache.get(handle.db) ?? new Map();
    cache.set(handle.db, byJobs);
    const key = `${schema}:${jobs.map((j) => j.name).join(',')}`;
    if (!byJobs.has(key)) byJobs.set(key, real.preflight(handle, jobs, schema));
    return byJobs.get(key)!;
  };
  return { ...real, preflight };
});

/**
 * Property-based and model-based tests (fast-check, issue 21), on the embedded PGlite with
 * hundreds of cases, and on every server engine present with a smaller budget. Each case loads a
 * small generated world into one database (no new database per case). The budgets are fixed per
 * engine; the seed is printed, and FC_SEED=<seed> replays a run. Shrunk failures are kept as
 * regular tests in jobs.properties.regressions.test.ts.
 */
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
/**
 * Cases per property per engine. The model runs on the many-to-many layout; the script property
 * on both, the legacy layout with LEGACY_SHARE of the cases (the same code with the other type join).
 */
const LEGACY_SHARE = 2 / 3;
const BUDGETS = {
  pglite: { model: 50, script: 120, maxCommands: 8 },
  postgres: { model: 12, script: 25, maxCommands: 6 },
  mssql: { model: 3, script: 6, maxCommands: 4 },
} as const;

interface Target {
  name: string;
  layouts: FixtureLayout[];
  budget: (typeof BUDGETS)[keyof typeof BUDGETS];
  open(layout: FixtureLayout): Promise<{ h: DatabaseHandle; close(): Promise<void> }>;
}

const pglite: Target = {
  name: 'pglite',
  layouts: ['many-to-many', 'legacy'],
  budget: BUDGETS.pglite,
  async open(layout) {
    const h = await openPropertyDatabase(layout);
    return { h, close: () => h.db.destroy() };
  },
};
const servers: Target[] = inject('engines').map((engine) => ({
  name: engine.name,
  layouts: ['many-to-many'],
  budget: engine.engine === 'postgres' ? BUDGETS.postgres : BUDGETS.mssql,
  async open(layout) {
    const tdb: TestDatabase = await createTestDatabase(engine);
    await openPropertyDatabase(layout, tdb);
    return { h: tdb, close: () => tdb.drop() };
  },
}));

const scaled = (n: number, layout: FixtureLayout) => (layout === 'legacy' ? Math.round(n * LEGACY_SHARE) : n);


function announce(property: string, target: Target, layout: string, numRuns: number) {
  process.stderr.write(`[fast-check] ${property} on ${target.name} (${layout}): seed ${SEED}, numRuns ${numRuns} (replay: FC_SEED=${SEED})\n`);
}

for (const target of [pglite, ...servers]) {
  for (const layout of target.layouts) {
    describe(`properties of every job on ${target.name} (${layout})`, () => {
      let db: Awaited<ReturnType<Target['open']>>;
      beforeAll(async () => {
        db = await target.open(layout);
      });
      afterAll(async () => {
        await db?.close();
      });

      if (layout === 'many-to-many') it('after any sequence of applies, undos, undos of undos and ConnectWise edits: apply then undo restores dbo.Contact, and two passes of the configured jobs converge in any order', async () => {
        const { h } = db;
        const context = { layout, journalSchema: 'cw_maint', auditColumns: AUDIT_COLUMNS };
        const numRuns = scaled(target.budget.model, layout);
        announce('model', target, layout, numRuns);
        const stats = { fighting: 0, converged: 0 };
        const arb = worldArb(layout).chain((world) =>
          fc.record({
            world: fc.constant(world),
            config: configArb(world),
            commands: commandsArb(target.budget.maxCommands),
            pick: fc.nat(),
            order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
          }),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ({ world, config, commands, pick, order }) => {
            await loadWorld(h, world);
            await fc.asyncModelRun(() => ({ model: { undoable: [] }, real: { h, world, config, clock: 0 } }), commands);
            await applyThenUndo(h, config, pick);
            const fights = await findFights(h.db, configured(config), context);
            if (fights.length) {
              stats.fighting++;
              return;
            }
            stats.converged++;
            await twoPasses(h, config, order);
          }),
          { numRuns, seed: SEED, endOnFailure: true },
        );
        process.stderr.write(`[fast-check] model on ${target.name} (${layout}): ${stats.converged} cases checked for convergence, ${stats.fighting} configurations that plan refuses as fighting\n`);
      }, 300_000);

      it('each published-script job equals its original script for random parameters, and a second apply changes nothing', async () => {
        const { h } = db;
        const numRuns = scaled(target.budget.script, layout);
        announce('script', target, layout, numRuns);
        const arb = worldArb(layout).chain((world) => fc.record({ world: fc.constant(world), script: scriptCaseArb(world) }));
        await fc.assert(
          fc.asyncProperty(arb, ({ world, script }) => checkScript(h, layout, world, script)),
          { numRuns, seed: SEED, endOnFailure: true },
        );
      }, 300_000);
    });
  }
}
