import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { blockedMessages, checkSchema } from '../../src/preflight/schema-check.js';
import { loadLayouts, normalizeType } from '../../src/preflight/schema-contract.js';
import { snapshotFromRows, type CatalogRow, type SchemaSnapshot } from '../../src/db/catalog.js';
import type { Layout } from '../../src/db/model/layout.js';
import { requirementsOf } from '../../src/vocabulary/required-columns.js';

const TYPE = { int: 'int', bit: 'bit', string: 'nvarchar', datetime: 'datetime' } as const;

/** Catalog rows as a SQL Server ConnectWise database returns them, for one layout; `rename` changes a name's case. */
function catalogFor(layout: Layout, rename: (name: string) => string = (n) => n): CatalogRow[] {
  const contract = loadLayouts().find((l) => l.layout === layout)!;
  return [...contract.columns, ...contract.optional].map((c) => ({
    table_schema: rename('dbo'),
    table_name: rename(c.table.slice('dbo.'.length)),
    column_name: rename(c.column),
    data_type: TYPE[c.type],
    is_nullable: 'YES',
  }));
}

function snapshotFor(layout: Layout, edit?: (s: SchemaSnapshot) => void): SchemaSnapshot {
  const snapshot = snapshotFromRows(catalogFor(layout));
  edit?.(snapshot);
  return snapshot;
}

const ALL = requirementsOf(JOBS);

describe('the schema contract', () => {
  it('has one layout per supported ConnectWise schema, and they detect exclusively', () => {
    expect(loadLayouts().map((l) => l.layout).sort()).toEqual(['legacy', 'many-to-many']);
    expect(checkSchema(snapshotFor('legacy'), ALL).layout).toBe('legacy');
    expect(checkSchema(snapshotFor('many-to-many'), ALL).layout).toBe('many-to-many');
  });

  it('describes every column a job needs, on every layout (the job files and the contract agree)', () => {
    for (const layout of loadLayouts()) {
      const report = checkSchema(snapshotFor(layout.layout), ALL);
      expect(report.blocked, layout.layout).toEqual({});
      expect(report.required.every((c) => c.status === 'ok')).toBe(true);
    }
  });

  it('reports a missing column as "<job> cannot run: <column> not found" for exactly its jobs', () => {
    const report = checkSchema(snapshotFor('many-to-many', (s) => s.get('dbo.contact')!.delete('disable_flag')), ALL);
    expect(blockedMessages(report)).toEqual([
      'revoke-inactive cannot run: dbo.Contact.Disable_Flag not found',
      'revoke-inactive-contacts cannot run: dbo.Contact.Disable_Flag not found',
      'restore-reactivated cannot run: dbo.Contact.Disable_Flag not found',
    ]);
  });

  it('reports a wrong type with the type found', () => {
    const report = checkSchema(
      snapshotFor('legacy', (s) => s.get('dbo.contact')!.set('portal_security_level', { dataType: 'nvarchar', nullable: true })),
      ALL,
    );
    expect(Object.keys(report.blocked).sort()).toEqual(['set-billing-portal', 'set-company-portal', 'set-primary-portal']);
    expect(report.blocked['set-company-portal']).toEqual(['dbo.Contact.Portal_Security_Level is nvarchar, expected int']);
  });

  it('compares names case-insensitively, as SQL Server does', () => {
    for (const rename of [(n: string) => n.toUpperCase(), (n: string) => n.toLowerCase()]) {
      const rows = catalogFor('many-to-many', rename);
      expect(rows.some((r) => r.column_name === rename('Disable_Flag') && r.column_name !== 'Disable_Flag')).toBe(true);
      const report = checkSchema(snapshotFromRows(rows), ALL);
      expect(report.layout).toBe('many-to-many');
      expect(report.blocked).toEqual({});
      expect(report.auditColumns).toEqual(['Last_Update', 'Last_Update_UTC', 'Updated_By']);
    }
  });

  it('treats audit columns as optional: absent ones are not set, and block nothing', () => {
    const report = checkSchema(snapshotFor('legacy', (s) => s.get('dbo.contact')!.delete('updated_by')), ALL);
    expect(report.blocked).toEqual({});
    expect(report.auditColumns).toEqual(['Last_Update', 'Last_Update_UTC']);
  });

  it("maps both engines' type names", () => {
    expect(['int', 'integer', 'bit', 'boolean', 'nvarchar', 'character varying', 'datetime', 'timestamp without time zone'].map(normalizeType)).toEqual([
      'int', 'int', 'bit', 'bit', 'string', 'string', 'datetime', 'datetime',
    ]);
    expect(normalizeType('uniqueidentifier')).toBeUndefined();
  });
});
