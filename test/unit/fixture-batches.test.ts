import { describe, expect, it } from 'vitest';
import { MAX_PARAMS_PER_INSERT, batchRows, fixtureChunks, type FixtureChunk } from '../../src/fixture/generate.js';

/** A Contact-shaped row (12 columns, as the fixture writes with audit columns). */
function contactRow(id: number): Record<string, unknown> {
  return {
    Contact_RecID: id,
    Company_RecID: 100 + id,
    First_Name: 'Ana',
    Last_Name: 'Chen',
    Default_Flag: true,
    Default_Billing_Flag: false,
    Inactive_Flag: false,
    Portal_Security_Level: 0,
    Disable_Flag: false,
    Last_Update: null,
    Last_Update_UTC: null,
    Updated_By: 'import',
  };
}

function widest(batch: object[]): number {
  return batch.reduce((w, row) => Math.max(w, Object.keys(row).length), 0);
}

describe('batchRows (multi-row INSERTs under SQL Server’s 2100-parameter limit)', () => {
  it('splits 200,000 rows without overflowing the stack, each row once and in order', () => {
    // 200,000 was enough for the old Math.max(...rows) to throw "Maximum call stack size exceeded".
    const rows = Array.from({ length: 200_000 }, (_, i) => contactRow(i));
    rows.push({ Contact_RecID: 200_000, Company_RecID: null }); // narrower, as the fixture's last contact
    const batches = [...batchRows(rows)];
    for (const batch of batches) expect(batch.length * widest(batch)).toBeLessThanOrEqual(MAX_PARAMS_PER_INSERT);
    // As many rows per statement as fit: 12 columns -> 166 rows.
    expect(batches[0]).toHaveLength(Math.floor(2000 / 12));
    const ids = batches.flat().map((r) => r.Contact_RecID);
    expect(ids).toHaveLength(rows.length);
    expect(ids.every((id, i) => id === i)).toBe(true);
  });

  it('sizes a batch by its widest row, wherever that row is', () => {
    const narrow = { a: 1 };
    const wide = { a: 1, b: 2, c: 3, d: 4 };
    const batches = [...batchRows([narrow, narrow, narrow, wide, narrow, narrow], 8)];
    expect(batches.map((b) => b.length)).toEqual([3, 2, 1]);
    for (const batch of batches) expect(batch.length * widest(batch)).toBeLessThanOrEqual(8);
  });

  it('sends a row wider than the limit alone, and nothing for no rows', () => {
    const batches = [...batchRows([{ a: 1, b: 2, c: 3 }, { a: 1 }], 2)];
    expect(batches.map((b) => b.length)).toEqual([1, 1]);
    expect([...batchRows([])]).toEqual([]);
  });
});

describe('fixtureChunks (the fixture generated in bounded slices)', () => {
  const options = { layout: 'many-to-many' as const, companies: 20_000, contactsPerCompany: 4, seed: 3 };

  it('keeps every slice small and every row after its parent company', () => {
    const seen = new Set<unknown>();
    const sizes: number[] = [];
    const orphans: unknown[] = [];
    let contacts = 0;
    for (const chunk of fixtureChunks(options, 5000)) {
      sizes.push(rowCount(chunk));
      for (const c of chunk.companies) seen.add(c.Company_RecID);
      for (const child of [...chunk.companyTypes, ...chunk.contacts]) {
        if (child.Company_RecID !== null && !seen.has(child.Company_RecID)) orphans.push(child);
      }
      contacts += chunk.contacts.length;
    }
    expect(sizes.filter((size) => size > 5000)).toEqual([]);
    expect(orphans).toEqual([]);
    expect(seen.size).toBe(20_000);
    expect(contacts).toBeGreaterThan(70_000);
  });

  it('gives the same rows for the same seed, however they are sliced', () => {
    const rows = (size: number) =>
      [...fixtureChunks({ ...options, companies: 500 }, size)].flatMap((c) => [...c.companies, ...c.companyTypes, ...c.contacts].map((r) => JSON.stringify(r))).sort();
    expect(rows(7)).toEqual(rows(5000));
  });
});

function rowCount(chunk: FixtureChunk): number {
  return chunk.companies.length + chunk.companyTypes.length + chunk.contacts.length;
}
