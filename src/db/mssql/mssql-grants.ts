import { columnList, PASSWORD_PLACEHOLDER, qualifiedName as qualified, sqlText as text, type GrantsDialect } from '../engine/scripts.js';

const bracket = (name: string) => `[${name.replace(/]/g, ']]')}]`;

export const mssqlGrants: GrantsDialect = {
  login: (login, role) => [
    login.includes('\\')
      ? `CREATE LOGIN ${bracket(login)} FROM WINDOWS;  -- a domain account (NTLM from cw-maint: see README)`
      : `CREATE LOGIN ${bracket(login)} WITH PASSWORD = N${text(PASSWORD_PLACEHOLDER)};  -- the Windows password policy applies (CHECK_POLICY is on by default)`,
    `CREATE USER ${bracket(login)} FOR LOGIN ${bracket(login)};`,
    `CREATE ROLE ${bracket(role)};`,
    `ALTER ROLE ${bracket(role)} ADD MEMBER ${bracket(login)};`,
  ],
  // SQL Server checks object permissions only; a schema needs no grant of its own.
  schemaUsage: () => [],
  grant: (g, role) => `GRANT ${g.privilege}${columnList(g, bracket)} ON ${qualified(g.table, bracket)} TO ${bracket(role)};`,
  ifExists: (g, statement) =>
    g.columns.length
      ? `IF COL_LENGTH(N${text(g.table)}, N${text(g.columns[0]!)}) IS NOT NULL ${statement}`
      : `IF OBJECT_ID(N${text(g.table)}) IS NOT NULL ${statement}`,
  trailer: (schema, role) => [
    `-- the preflight lists every table in cw-maint's schema, to make sure it holds only cw-maint's own: a login sees only the tables it has a permission on,`,
    `-- and one it could not see would pass unnoticed (SELECT on the schema: reading cw-maint's own tables is harmless; VIEW DEFINITION does it too, but Babelfish lacks it)`,
    `GRANT SELECT ON SCHEMA::${bracket(schema)} TO ${bracket(role)};`,
    `-- the run lock (sp_getapplock, sp_releaseapplock) is granted to public by default: nothing to grant`,
  ],
};
