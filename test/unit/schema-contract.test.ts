import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../jobs/index.js';
import { blockedMessages, checkSchema } from '../../migrations-check/check.js';
import { loadLayouts, normalizeType } from '../../migrations-check/contract.js';
import type { SchemaSnapshot } from '../../migrations-check/inspect.js';

/** A snapshot as a SQL Server ConnectWise database would report it, for one layout. */
function snapshotFor(layout: 'legacy' | 'many-to-many', edit?: (s: SchemaSnapshot) => void): SchemaSnapshot {
  const contract = loadLayouts().find((l) => l.layout === layout)!;
  const TYPE = { int: 'int', bit: 'bit', string: 'nvarchar', datetime: 'datetime' } as const;
  const snapshot: SchemaSnapshot = new Map();
  for (const c of [...contract.columns, ...contract.optional]) {
    const table = c.table.toLowerCase();
    if (!snapshot.has(table)) snapshot.set(table, new Map());
    snapshot.get(table)!.set(c.column.toLowerCase(), { dataType: TYPE[c.type], nullable: true });
  }
  edit?.(snapshot);
  return snapshot;
}

describe('the schema contract', () => {
  it('has one layout per supported ConnectWise schema, and they detect exclusively', () => {
    const layouts = loadLayouts();
    expect(layouts.map((l) => l.layout).sort()).toEqual(['legacy', 'many-to-many']);
    expect(checkSchema(snapshotFor('legacy'), JOB_NAMES).layout).toBe('legacy');
    expect(checkSchema(snapshotFor('many-to-many'), JOB_NAMES).layout).toBe('many-to-many');
  });

  it('names only jobs that exist', () => {
    for (const layout of loadLayouts()) {
      for (const c of layout.columns) if (c.requiredBy !== 'all') for (const job of c.requiredBy) expect(JOB_NAMES).toContain(job);
    }
  });

  it('reports a missing column as "<job> cannot run: <column> not found" for exactly its jobs', () => {
    const report = checkSchema(snapshotFor('many-to-many', (s) => s.get('dbo.contact')!.delete('disable_flag')), JOB_NAMES);
    expect(blockedMessages(report)).toEqual(['revoke-inactive cannot run: dbo.Contact.Disable_Flag not found']);
  });

  it('reports a wrong type with the type found', () => {
    const report = checkSchema(
      snapshotFor('legacy', (s) => s.get('dbo.contact')!.set('portal_security_level', { dataType: 'nvarchar', nullable: true })),
      JOB_NAMES,
    );
    expect(Object.keys(report.blocked).sort()).toEqual(['set-billing-portal', 'set-company-portal', 'set-primary-portal']);
    expect(report.blocked['set-company-portal']).toEqual(['dbo.Contact.Portal_Security_Level is nvarchar, expected int']);
  });

  it('compares names case-insensitively, as SQL Server does', () => {
    const snapshot = snapshotFor('legacy');
    expect(checkSchema(snapshot, JOB_NAMES).blocked).toEqual({});
  });

  it('treats audit columns as optional: absent ones are not set, and block nothing', () => {
    const report = checkSchema(snapshotFor('legacy', (s) => s.get('dbo.contact')!.delete('updated_by')), JOB_NAMES);
    expect(report.blocked).toEqual({});
    expect(report.auditColumns).toEqual(['Last_Update', 'Last_Update_UTC']);
  });

  it('maps both engines\' type names', () => {
    expect(['int', 'integer', 'bit', 'boolean', 'nvarchar', 'character varying', 'datetime', 'timestamp without time zone'].map(normalizeType)).toEqual([
      'int', 'int', 'bit', 'bit', 'string', 'string', 'datetime', 'datetime',
    ]);
    expect(normalizeType('uniqueidentifier')).toBeUndefined();
  });
});
