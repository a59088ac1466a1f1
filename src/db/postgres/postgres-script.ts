import type { ScriptDialect } from '../engine/scripts.js';

/** psql: every statement in one transaction (PostgreSQL's DDL is transactional). */
export const postgresScript: ScriptDialect = {
  parameterMarker: '$',
  literal(value) {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
    const text = value instanceof Date ? value.toISOString() : String(value);
    return `'${text.replace(/'/g, "''")}'`;
  },
  runNote: '',
  wrap: (statements) => ['BEGIN;', ...statements.map((s) => `${s};`), 'COMMIT;'],
};
