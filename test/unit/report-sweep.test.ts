import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepStale } from '../../src/report/report-file.js';

describe('stale temporary report files', () => {
  it('are swept by the next run that writes the same report when their process is gone, and only then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwm-sweep-'));
    const report = join(dir, 'ticket.csv');
    // A pid far above any the kernel hands out (pid_max is at most 2^22): no such process.
    const dead = join(dir, '.ticket.csv.4194999.tmp');
    const mine = join(dir, `.ticket.csv.${process.pid}.tmp`);
    const parent = join(dir, `.ticket.csv.${process.ppid}.tmp`);
    const other = join(dir, '.other.csv.4194999.tmp');
    for (const file of [dead, mine, parent, other]) writeFileSync(file, 'Chloé Kowalski', { mode: 0o600 });
    expect(await sweepStale(report)).toEqual(['.ticket.csv.4194999.tmp']);
    expect([dead, mine, parent, other].map(existsSync)).toEqual([false, true, true, true]);
  });
});
