// Every raw statement the bench times or shapes data with, derived from the published script's
// own text (test/support/original-scripts.ts), so the raw side is exactly what a DBA runs.
import type { TestEngine } from '../../test/support/engines.js';
import { originalScriptSql } from '../../test/support/original-scripts.js';

/** revoke-inactive's parameters in every bench run (inactive statuses 2 and 7 of the fixture). */
export const BENCH_PARAMS = { companyTypes: [1, 9], companyStatuses: [2, 7] };

export interface ScriptSql {
  /** The published UPDATE as run. */
  update: string;
  /** The same UPDATE, also setting the audit columns: the least cw-maint must write. */
  updateWithAudit: string;
  /** SELECT COUNT(*) with the script's FROM/WHERE (T-SQL: its joins, so a contact of a company with two matching types counts twice, as the DBA's count would). */
  count: string;
  /** The contacts the script selects, each once (column id). */
  matchedIds: string;
  /** The count on the same tables with a WHERE that is never true: warms a session, reads no row. */
  warmUp: string;
}

/** [column, SQL value] for each audit column the fixture has. */
export type AuditValues = ReadonlyArray<readonly [string, string]>;

export function scriptSql(engine: Pick<TestEngine, 'engine'>, audit: AuditValues): ScriptSql {
  const update = originalScriptSql({ name: 'bench', adminUrl: '', flavor: 'postgres', ...engine }, 'many-to-many', {
    job: 'revoke-inactive',
    types: BENCH_PARAMS.companyTypes,
    statuses: BENCH_PARAMS.companyStatuses,
  });
  return deriveFromUpdate(update, audit);
}

/**
 * Splits `UPDATE <target> SET <set> FROM|WHERE <rest>` (T-SQL: FROM with joins; PostgreSQL: WHERE
 * with a semi-join) and builds the count, the matched ids and the audited UPDATE from its parts.
 */
export function deriveFromUpdate(update: string, audit: AuditValues): ScriptSql {
  const m = /^UPDATE (\S+) SET (.+?) (FROM|WHERE) (.*)$/.exec(update);
  if (!m) throw new Error(`published script not in the expected shape: ${update}`);
  const [, target, set, keyword, rest] = m as unknown as [string, string, string, 'FROM' | 'WHERE', string];
  const column = set.split(' = ')[0]!;
  const extra = audit.map(([name, value]) => `${column.replace(/Disable_Flag/, name)} = ${value}`);
  const updateWithAudit = `UPDATE ${target} SET ${[set, ...extra].join(', ')} ${keyword} ${rest}`;
  const from = keyword === 'FROM' ? rest : `${target} WHERE ${rest}`;
  const id = column.replace(/Disable_Flag/, 'Contact_RecID');
  return {
    update,
    updateWithAudit,
    count: `SELECT COUNT(*) AS n FROM ${from}`,
    matchedIds: `SELECT DISTINCT ${id} AS id FROM ${from}`,
    warmUp: `SELECT COUNT(*) AS n FROM ${from} AND 1 = 0`,
  };
}

/**
 * One UPDATE that leaves exactly `toChange` of the `matched` rows needing a change (Disable_Flag 0)
 * and the others already disabled, the changing ones spread evenly over Contact_RecID (row rn is
 * chosen when floor(rn*k/n) steps), so a preview cannot find them all at the start of the key.
 */
export function shapeSql(engine: Pick<TestEngine, 'engine'>, matchedIds: string, matched: number, toChange: number): string {
  const k = `CAST(${toChange} AS bigint)`;
  const n = `CAST(${Math.max(matched, 1)} AS bigint)`;
  const keep = `(m.rn * ${k}) / ${n} = ((m.rn - 1) * ${k}) / ${n}`;
  const numbered = `(SELECT i.id, ROW_NUMBER() OVER (ORDER BY i.id) AS rn FROM (${matchedIds}) AS i) AS m`;
  return engine.engine === 'postgres'
    ? `UPDATE "dbo"."Contact" AS c SET "Disable_Flag" = (${keep}) FROM ${numbered} WHERE c."Contact_RecID" = m.id`
    : `UPDATE c SET Disable_Flag = CASE WHEN ${keep} THEN 1 ELSE 0 END FROM dbo.Contact AS c INNER JOIN ${numbered} ON c.Contact_RecID = m.id`;
}

/** round(rate × all contacts), never more than the matched rows; rate 1 means every matched row. */
export function rowsToChange(rate: number, totalContacts: number, matched: number): number {
  return rate >= 1 ? matched : Math.min(Math.round(rate * totalContacts), matched);
}
