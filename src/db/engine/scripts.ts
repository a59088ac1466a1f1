import type { CompiledQuery } from 'kysely';

/** How a script for an engine's own tools (sqlcmd, psql) is written. */
export interface ScriptDialect {
  /** Where a compiled statement's parameters stand: @1 or $1. */
  readonly parameterMarker: '@' | '$';
  /** A parameter as a SQL literal. */
  literal(value: unknown): string;
  /** Said in the header, after "Run it once ... on the ConnectWise database". */
  readonly runNote: string;
  /** The statements as one script: each in a batch of its own, or all in one transaction. */
  wrap(statements: readonly string[]): string[];
}

/** Replaces @1 / $1 (outside quoted text) with the parameter as a SQL literal. */
export function inlineParameters(query: CompiledQuery, dialect: ScriptDialect): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < query.sql.length; i++) {
    const ch = query.sql[i]!;
    if (ch === "'") quoted = !quoted;
    const digits = !quoted && ch === dialect.parameterMarker ? /^\d+/.exec(query.sql.slice(i + 1))?.[0] : undefined;
    if (!digits) {
      out += ch;
      continue;
    }
    out += dialect.literal(query.parameters[Number(digits) - 1]);
    i += digits.length;
  }
  return out;
}

/** One grant of the grants script: a table's privilege, on some of its columns or on all. */
export interface Grant {
  table: string;
  columns: string[];
  privilege: 'SELECT' | 'INSERT' | 'UPDATE';
}

/** The statements of the grants script, per engine. */
export interface GrantsDialect {
  login(login: string, role: string): string[];
  schemaUsage(schemas: string[], role: string): string[];
  grant(grant: Grant, role: string): string;
  ifExists(grant: Grant, statement: string): string;
  trailer(journalSchema: string, role: string): string[];
}

export const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
export const qualifiedName = (table: string, quote: (s: string) => string) => table.split('.').map(quote).join('.');
export const columnList = (g: Grant, quote: (s: string) => string) => (g.columns.length ? ` (${g.columns.map(quote).join(', ')})` : '');

/** Written where the DBA sets the new login's password before running the grants script. */
export const PASSWORD_PLACEHOLDER = 'CHANGE-ME-to-a-strong-password';
