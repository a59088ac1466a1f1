import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The floor plan as a rule the suite enforces (README, "Architecture"): every import runs down
 * the floors, or stays in its own area, and no two folders import each other. A picture is not a
 * guard: this test reads every relative import of src/, jobs/ and migrations-check/ and fails on
 * the first that runs back up.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Areas from the bottom up: the longest matching prefix names a file's area. */
const FLOORS: ReadonlyArray<readonly [floor: number, prefixes: readonly string[]]> = [
  // src/printable.ts imports nothing: every text output, the log's too, makes text printable with it.
  [0, ['migrations-check/', 'src/printable.ts']],
  [1, ['src/errors.ts', 'src/log.ts', 'src/version.ts']],
  [2, ['src/config/']],
  [3, ['src/db/model/']],
  [4, ['src/db/engine/']],
  [5, ['src/db/mssql/', 'src/db/postgres/']],
  [6, ['src/db/']],
  [7, ['src/report/', 'src/journal/', 'src/fixture/']],
  [8, ['src/vocabulary/']],
  [9, ['src/preflight/']],
  [10, ['src/run/']],
  [11, ['src/notify/', 'src/lookup/', 'src/compiled-sql/']],
  [12, ['src/scheduler/', 'jobs/']],
  [13, ['src/cli/']],
];

function areaOf(file: string): { area: string; floor: number } {
  let best: { area: string; floor: number } | undefined;
  for (const [floor, prefixes] of FLOORS) {
    for (const prefix of prefixes) {
      if (file.startsWith(prefix) && (!best || prefix.length > best.area.length)) best = { area: prefix, floor };
    }
  }
  if (!best) throw new Error(`${file} is in no area of the floor plan: add it to FLOORS and to the README's Architecture section`);
  return best;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(ROOT, resolve(dirname(join(ROOT, file)), spec)).replace(/\.js$/, '.ts'));
}

/** Imports that run back up a floor, or across between two areas of the same floor. */
function upward(list: ReadonlyArray<{ from: string; to: string }>): string[] {
  return list
    .map(({ from, to }) => ({ from, to, a: areaOf(from), b: areaOf(to) }))
    .filter(({ a, b }) => a.area !== b.area && b.floor >= a.floor)
    .map(({ from, to, a, b }) => `${from} (floor ${a.floor}) imports ${to} (floor ${b.floor})`);
}

const files = ['src', 'jobs', 'migrations-check'].flatMap(sourceFiles);
const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

describe('the floor plan', () => {
  it('reads a real import graph (the rule cannot pass on nothing)', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(edges.length).toBeGreaterThan(250);
    expect(edges).toContainEqual({ from: 'src/run/job/run-job.ts', to: 'src/preflight/preflight.ts' });
  });

  it('places every file of src/, jobs/ and migrations-check/ on a floor', () => {
    for (const file of files) expect(() => areaOf(file)).not.toThrow();
  });

  it('has no import that runs back up a floor, or across between two areas of the same floor', () => {
    expect(upward(edges)).toEqual([]);
  });

  it('has no two folders that import each other, directly or round a circle', () => {
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of edges) {
      const [a, b] = [dirname(from), dirname(to)];
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        circles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(circles).toEqual([]);
  });

  it('lets only the entry point under src/ import jobs/', () => {
    const importers = edges.filter(({ from, to }) => from.startsWith('src/') && to.startsWith('jobs/')).map((e) => e.from);
    expect([...new Set(importers)]).toEqual(['src/cli/main.ts']);
  });

  it('catches an import that runs back up (the rule itself can fail)', () => {
    expect(upward([{ from: 'src/config/config-file.ts', to: 'src/run/run-job.ts' }])).toHaveLength(1);
    expect(upward([{ from: 'src/db/mssql/mssql-adapter.ts', to: 'src/db/postgres/postgres-adapter.ts' }])).toHaveLength(1);
    expect(upward([{ from: 'src/run/run-job.ts', to: 'src/config/config-file.ts' }])).toEqual([]);
  });
});
