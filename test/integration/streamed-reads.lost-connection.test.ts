import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCliInProcess, runScript } from '../support/cli.js';
import type { TestEngine } from '../support/engines.js';
import { REVOKE, REVOKE_ARGS, runNamedJob, runRows, writeConfig } from '../support/run.js';
import { type TestDatabase, testDatabases } from '../support/test-database.js';

/** Rows per page in the faulty process: the fault comes after the first page. */
const PAGE_ROWS = 5;
/** A hang must fail the test, not the suite: the child is killed after this, and its code is then null. */
const CHILD_TIMEOUT_MS = 90_000;
/** Each test: a fixture, a child process or two, and on Babelfish a slow preflight; a busy machine needs room. */
const TEST_TIMEOUT_MS = 240_000;
/** "Within seconds": from the fault to the process's exit. */
const EXIT_WITHIN_MS = 15_000;

type Fault = 'kill' | 'drop';

/**
 * The command as a real process (test/support/faulty-stream-cli.ts: the real main, reading in
 * pages of PAGE_ROWS rows), whose connection is broken after the first page of a streamed read.
 */
async function brokenMidStream(engine: TestEngine, tdb: TestDatabase, fault: Fault, args: string[]) {
  const r = await runScript('test/support/faulty-stream-cli.ts', args, { CW_DB_URL: tdb.url, TEST_STREAM_FAULT: JSON.stringify({ fault, engine, database: tdb.name, pageRows: PAGE_ROWS }) }, { timeoutMs: CHILD_TIMEOUT_MS });
  const ended = Date.now();
  const lines = r.stderr.split('\n').filter(Boolean);
  const faultAt = Number(/^test: fault at (\d+)/m.exec(r.stderr)?.[1]);
  const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  // Everything else on stderr: the command's own lines (no stack trace, no second message).
  const said = lines.filter((l) => !l.startsWith('{') && !l.startsWith('test: '));
  return { ...r, faultAt, sinceFault: ended - faultAt, json, said };
}

/** What every broken stream must show: exit 1 (or, after a commit, the code for "applied, report not written"), within seconds, one line. */
const LOST_LINE = /^cw-maint: the connection to the server at \S+ was lost while reading rows; \d+ row\(s\) had been read \(.+\)$/;

function expectOneClearFailure(r: Awaited<ReturnType<typeof brokenMidStream>>, codes: number[] = [1], line: RegExp = LOST_LINE) {
  expect(r.faultAt, `the fault was never injected: ${r.stderr.slice(0, 800)}`).toBeGreaterThan(0);
  expect(r.code, `no hang (null: killed at the timeout) and no silent exit 13: ${r.stderr.slice(0, 800)}`).not.toBeNull();
  expect(codes, r.stderr.slice(0, 800)).toContain(r.code);
  expect(r.sinceFault).toBeLessThan(EXIT_WITHIN_MS);
  expect(r.said).toHaveLength(1);
  expect(r.said[0]).toMatch(line);
  expect(r.stderr).not.toContain('    at ');
}

for (const engine of inject('engines')) {
  describe(`a connection lost in the middle of a streamed read on ${engine.name}`, () => {
    const { seeded } = testDatabases(engine);
    const config = writeConfig({ jobs: { 'revoke-inactive': REVOKE } });

    /** A fixture where revoke-inactive changes rows over several pages. */
    async function fixture() {
      const tdb = await seeded();
      const dry = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'dry-run');
      expect(dry.plan.changed).toBeGreaterThan(3 * PAGE_ROWS);
      return tdb;
    }

    for (const fault of ['kill', 'drop'] as const) {
      const how = fault === 'kill' ? 'its session killed by the server' : 'its connection dropped with a page in flight';
      it(`plan --report, ${how}: exit 1, one line, no report and no temporary file`, async () => {
        const tdb = await fixture();
        const dir = mkdtempSync(join(tmpdir(), 'cwm-lost-plan-'));
        const r = await brokenMidStream(engine, tdb, fault, ['plan', '--config', config, '--report', join(dir, 'plan.csv')]);
        expectOneClearFailure(r);
        expect(r.said[0]).toContain(`; ${PAGE_ROWS} row(s) had been read`);
        expect(readdirSync(dir)).toEqual([]);
      }, TEST_TIMEOUT_MS);

      it(`show, ${how}: exit 1 and one line after the rows it could read`, async () => {
        const tdb = await fixture();
        const applied = await runNamedJob(tdb, 'revoke-inactive', REVOKE, 'apply');
        const r = await brokenMidStream(engine, tdb, fault, ['show', String(applied.runId), '--json', '--config', config]);
        expectOneClearFailure(r);
        const printed = r.stdout.trim().split('\n');
        // The run, then the first page's rows, then (--json, issue 22) the one failure object.
        expect(printed).toHaveLength(2 + PAGE_ROWS);
        expect(JSON.parse(printed.at(-1)!)).toMatchObject({ outcome: 'failed', exitCode: 1 });
      }, TEST_TIMEOUT_MS);
    }

    it('a dry run with --report, its session killed: exit 1, one line, its run.end logged, no temporary file', async () => {
      const tdb = await fixture();
      const dir = mkdtempSync(join(tmpdir(), 'cwm-lost-dry-'));
      const r = await brokenMidStream(engine, tdb, 'kill', [...REVOKE_ARGS, '--dry-run', '--config', config, '--report', join(dir, 'dry.jsonl')]);
      expectOneClearFailure(r);
      expect(r.json.filter((l) => l.event === 'run.start')).toHaveLength(1);
      expect(r.json.filter((l) => l.event === 'run.end')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]);
    }, TEST_TIMEOUT_MS);

    it('an apply with --report, its session killed while the report is read after the commit: no hang, one line, no temporary file, and the run stays succeeded', async () => {
      const tdb = await fixture();
      const dir = mkdtempSync(join(tmpdir(), 'cwm-lost-apply-'));
      const r = await brokenMidStream(engine, tdb, 'kill', [...REVOKE_ARGS, '--yes', '--config', config, '--report', join(dir, 'applied.csv')]);
      // Issue 20 point 2: "applied, report not written" has a code of its own (6), and its one line says what was applied.
      expectOneClearFailure(r, [6], /^cw-maint: revoke-inactive applied: \d+ rows changed \(run \d+\), but the report could not be written: the connection to the server at \S+ was lost while reading rows; .*show \d+/);
      expect(r.json.filter((l) => l.event === 'run.end')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]);
      const run = (await runRows(tdb)).find((row) => row.mode === 'apply');
      expect(run).toMatchObject({ status: 'succeeded' });
      expect(Number(run!.changed)).toBeGreaterThan(3 * PAGE_ROWS);
    }, TEST_TIMEOUT_MS);

    it('pages of a few rows read exactly what one page reads: show, and the reports of a dry run, an apply, an undo dry run and plan', async () => {
      const tdb = await fixture();
      const dir = mkdtempSync(join(tmpdir(), 'cwm-pages-'));
      const both = async (args: (tag: string) => string[], file?: (tag: string) => string) => {
        const [small, whole] = await Promise.all([
          runCliInProcess(args('small'), { CW_DB_URL: tdb.url }, { seams: { paging: { rows: 2 } } }),
          runCliInProcess(args('whole'), { CW_DB_URL: tdb.url }),
        ]);
        expect(small.code, small.stderr).toBe(0);
        expect(whole.code, whole.stderr).toBe(0);
        // The rows only: a report's first line is its meta header (issue 22), whose run id and time differ between the two runs.
        const rows = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => !l.startsWith('{"meta"'));
        if (file) expect(rows(file('small'))).toEqual(rows(file('whole')));
        return { small, whole };
      };
      const report = (name: string) => (tag: string) => join(dir, `${name}-${tag}.jsonl`);
      await both((tag) => [...REVOKE_ARGS, '--dry-run', '--config', config, '--report', report('dry')(tag)], report('dry'));
      await both((tag) => ['plan', '--config', config, '--report', report('plan')(tag)], report('plan'));
      const applied = await runCliInProcess([...REVOKE_ARGS, '--yes', '--config', config, '--report', report('apply')('small')], { CW_DB_URL: tdb.url }, { seams: { paging: { rows: 2 } } });
      expect(applied.code, applied.stderr).toBe(0);
      const runId = Number(/in run (\d+)/.exec(applied.stdout)![1]);
      const shown = await both(() => ['show', String(runId), '--json', '--config', config]);
      expect(shown.small.stdout).toBe(shown.whole.stdout);
      const applyRows = readFileSync(report('apply')('small'), 'utf8').trim().split('\n').filter((l) => !l.startsWith('{"meta"'));
      expect(applyRows).toHaveLength(shown.whole.stdout.trim().split('\n').length - 1);
      await both((tag) => ['undo', String(runId), '--dry-run', '--config', config, '--report', report('undo')(tag)], report('undo'));
    }, TEST_TIMEOUT_MS);
  });
}
