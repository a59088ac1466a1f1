import { columnList, PASSWORD_PLACEHOLDER, qualifiedName as qualified, sqlText as text, type GrantsDialect } from '../engine/scripts.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export const postgresGrants: GrantsDialect = {
  login: (login, role) => [
    `CREATE ROLE ${quote(role)} NOLOGIN;`,
    `CREATE ROLE ${quote(login)} LOGIN PASSWORD ${text(PASSWORD_PLACEHOLDER)} IN ROLE ${quote(role)};`,
  ],
  schemaUsage: (schemas, role) => [
    `-- every job and command reads ConnectWise's tables (dbo) and cw-maint's own`,
    `GRANT USAGE ON SCHEMA ${schemas.map(quote).join(', ')} TO ${quote(role)};`,
  ],
  grant: (g, role) => `GRANT ${g.privilege}${columnList(g, quote)} ON ${qualified(g.table, quote)} TO ${quote(role)};`,
  ifExists: (g, statement) => {
    const exists = g.columns.length
      ? `EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass(${text(qualified(g.table, quote))}) AND attname = ${text(g.columns[0]!)} AND NOT attisdropped)`
      : `to_regclass(${text(qualified(g.table, quote))}) IS NOT NULL`;
    return `DO $$ BEGIN IF ${exists} THEN EXECUTE ${text(statement)}; END IF; END $$;`;
  },
  trailer: () => [`-- the run lock (pg_try_advisory_lock) needs no grant`],
};
