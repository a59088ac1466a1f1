import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ReportFileError } from '../../src/errors.js';
import { checkReportTarget, writeReport } from '../../src/report/report-file.js';

/** Windows: renaming over a file Excel has open fails with EPERM or EBUSY. Linux never does, so the rename is made to. */
const failWith = vi.hoisted(() => ({ code: undefined as string | undefined }));
vi.mock('node:fs/promises', async (original) => {
  const actual = await original<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failWith.code) throw Object.assign(new Error(`${failWith.code}: operation not permitted, rename '${from}' -> '${to}'`), { code: failWith.code });
      return actual.rename(from, to);
    },
  };
});

describe('--report FILE --force, with the file held open by another program', () => {
  for (const code of ['EPERM', 'EBUSY']) {
    it(`${code} on the rename is one clear line; the old file stays, no temporary file is left`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cwm-held-'));
      const file = join(dir, 'tonight.csv');
      writeFileSync(file, 'open in Excel');
      failWith.code = code;
      try {
        const rows = (async function* () {
          yield { contactRecId: 1, firstName: 'A', lastName: 'B', companyId: 'C', companyName: 'D', job: 'j', column: 'Disable_Flag', oldValue: 0, newValue: 1 };
        })();
        const error = await writeReport(checkReportTarget(file, { force: true }), rows).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReportFileError);
        expect((error as Error).message).toBe(
          `--report ${file}: cannot replace the file (${code}): another program has it open (Excel locks a file it shows). Close it and run the command again, or give another name.`,
        );
      } finally {
        failWith.code = undefined;
      }
      expect(readFileSync(file, 'utf8')).toBe('open in Excel');
      expect(readdirSync(dir)).toEqual(['tonight.csv']);
    });
  }
});
