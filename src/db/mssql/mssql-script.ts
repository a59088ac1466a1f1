import type { ScriptDialect } from '../engine/scripts.js';

/** sqlcmd: each statement in a batch of its own (CREATE SCHEMA must be the first statement of its batch). */
export const mssqlScript: ScriptDialect = {
  parameterMarker: '@',
  literal(value) {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? '1' : '0';
    const text = value instanceof Date ? value.toISOString() : String(value);
    return `N'${text.replace(/'/g, "''")}'`;
  },
  runNote: ' (sqlcmd -b stops at the first error)',
  wrap: (statements) => ['SET QUOTED_IDENTIFIER ON;', 'SET XACT_ABORT ON;', 'GO', ...statements.map((s) => `${s};\nGO`)],
};
