import { describe, expect, it } from 'vitest';
import { digestOf, parsePlanFile, planFileBytes, PLAN_FORMAT_VERSION, type PlanFileRow, type PlanHeader } from '../../src/run/plan-file/plan-file-format.js';
import { ExitCode, UsageError } from '../../src/errors.js';

const header = (rows: number, over: Partial<PlanHeader> = {}): PlanHeader => ({
  cwMaintPlan: PLAN_FORMAT_VERSION,
  cwMaint: '0.1.0',
  engine: 'postgres',
  database: { server: '127.0.0.1', port: 5432, database: 'cw', created: null, uniqueId: '1:5' },
  plannedAt: '2026-12-01T18:00:00.123456',
  contract: 'a'.repeat(64),
  layout: 'many-to-many',
  ticket: 'CHG-1',
  guards: { maxChanges: 1000, maxPercent: 25, allowStatuses: [] },
  auditColumns: ['Last_Update', 'Updated_By'],
  jobs: [{ job: 'revoke-inactive', sql: 'b'.repeat(64), params: {}, column: 'Disable_Flag', matched: 3, changed: rows, totalContacts: 10 }],
  rows,
  ...over,
});
const row = (id: number, over: Partial<PlanFileRow> = {}): PlanFileRow => ({ job: 'revoke-inactive', id, column: 'Disable_Flag', before: 0, audit: ['2024-01-01T00:00:00.997', 'x'], after: 1, ...over });

/** The file's bytes with one line replaced by `line` (0: the header). */
function edited(bytes: Buffer, index: number, line: (text: string) => string): Buffer {
  const lines = bytes.toString('utf8').split('\n');
  lines[index] = line(lines[index]!);
  return Buffer.from(lines.join('\n'));
}

function refusal(bytes: Buffer): string {
  try {
    parsePlanFile(bytes, 'p.jsonl');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('plan file format', () => {
  const good = planFileBytes(header(2), [row(-2147483648), row(7, { before: null, audit: [null, null] })]);

  it('round-trips: the header, every row (NULLs and -2^31 included), and the digest of the exact bytes', () => {
    const plan = parsePlanFile(good, 'p.jsonl');
    expect(plan.header).toEqual(header(2));
    expect(plan.rows).toEqual([row(-2147483648), row(7, { before: null, audit: [null, null] })]);
    expect(plan.digest).toBe(digestOf(good));
    expect(plan.digest).not.toBe(digestOf(Buffer.concat([good, Buffer.from(' ')])));
  });

  it('refuses, as input errors naming the line: another format version, a file cut short, JSON that is not JSON', () => {
    expect(refusal(edited(good, 0, (l) => l.replace(`"cwMaintPlan":${PLAN_FORMAT_VERSION}`, '"cwMaintPlan":2')))).toContain('format version 2, this cw-maint reads version 1');
    expect(refusal(good.subarray(0, good.length - 1))).toContain('does not end with a line end');
    expect(refusal(edited(good, 1, (l) => l.slice(0, -1)))).toContain('line 2 is not JSON');
    expect(refusal(Buffer.from('{"rows":[]}\n'))).toContain('line 1 is not a plan header');
  });

  it('refuses duplicate ids, ids out of order, values out of range, unknown fields, and counts that do not add up', () => {
    const twice = planFileBytes(header(2), [row(5), row(5)]);
    expect(refusal(twice)).toContain('line 3: Contact_RecID 5 is listed twice for revoke-inactive');
    expect(refusal(planFileBytes(header(2), [row(6), row(5)]))).toContain('line 3: rows are not in ascending Contact_RecID order');
    expect(refusal(planFileBytes(header(2), [row(1), row(2147483648)]))).toContain('line 3: id:');
    expect(refusal(planFileBytes(header(2), [row(1), row(2, { before: 1.5 })]))).toContain('line 3: before:');
    expect(refusal(edited(good, 1, (l) => l.replace('{', '{"name":"Ann",')))).toContain('line 2: ');
    expect(refusal(planFileBytes(header(3), [row(1), row(2)]))).toContain('it holds 2 rows, its header says 3');
    expect(refusal(planFileBytes(header(2), [row(1), row(2, { job: 'other' })]))).toContain('job "other" is not in the header');
    expect(refusal(planFileBytes(header(2), [row(1), row(2, { audit: ['x'] })]))).toContain('1 audit values, the header lists 2');
  });
});
