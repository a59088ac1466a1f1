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
  /**
   * The physical limit of a journaled apply: updateWithAudit capturing each row's before-values
   * into BENCH_JOURNAL (shaped as cw-maint's journal) in one transaction, as cw-maint's batch does
   * it (PostgreSQL: a locking pick sub-select, the UPDATE's RETURNING into the INSERT, one
   * statement; T-SQL: UPDATE … OUTPUT deleted… INTO a table variable, then the INSERT).
   */
  journaledUpdate: string;
  /** SELECT COUNT(*) with the script's FROM/WHERE (T-SQL: its joins, so a contact of a company with two matching types counts twice, as the DBA's count would). */
  count: string;
  /** The contacts the script selects, each once (column id). */
  matchedIds: string;
  /** The count on the same tables with a WHERE that is never true: warms a session, reads no row. */
  warmUp: string;
}

/** The physical limit's journal table (scripts/bench/journal.ts), run 1's rows. */
export const BENCH_JOURNAL = 'cwm_bench.journal';

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
    journaledUpdate: keyword === 'FROM' ? tsqlJournaled(target, [set, ...extra], rest, audit) : postgresJournaled(target, [set, ...extra], rest, audit),
    count: `SELECT COUNT(*) AS n FROM ${from}`,
    matchedIds: `SELECT DISTINCT ${id} AS id FROM ${from}`,
    warmUp: `SELECT COUNT(*) AS n FROM ${from} AND 1 = 0`,
  };
}

/** The journal's columns after new_value (journal_v3): the audit columns before, then as written. */
function journalAudit(audit: AuditValues): { before: string[]; after: string[] } {
  return { before: audit.map(([name]) => `old_${name.toLowerCase()}`), after: audit.map(([name]) => `new_${name.toLowerCase()}`) };
}

/** PostgreSQL: one statement, hence one transaction; RETURNING alone cannot give before-values, hence `pick`. */
function postgresJournaled(target: string, set: string[], where: string, audit: AuditValues): string {
  const { before, after } = journalAudit(audit);
  const pick = [`"Contact_RecID" AS id`, `cast("Disable_Flag" as int) AS old_value`, ...audit.map(([name], i) => `"${name}" AS ${before[i]}`)];
  const written = audit.map(([name], i) => `${target}."${name}" AS ${after[i]}`);
  const columns = [...before, ...after].join(', ');
  return (
    `WITH upd AS (UPDATE ${target} SET ${set.join(', ')} FROM (SELECT ${pick.join(', ')} FROM ${target} WHERE ${where} FOR UPDATE) AS pick ` +
    `WHERE ${target}."Contact_RecID" = pick.id RETURNING pick.*, ${written.join(', ')}) ` +
    `INSERT INTO ${BENCH_JOURNAL} (run_id, contact_recid, column_name, old_value, new_value, ${columns}) SELECT 1, id, 'Disable_Flag', old_value, 1, ${columns} FROM upd`
  );
}

/** T-SQL: one batch in one transaction; OUTPUT INTO needs a target without foreign keys, hence the table variable. */
function tsqlJournaled(target: string, set: string[], from: string, audit: AuditValues): string {
  const { before, after } = journalAudit(audit);
  const type = (column: string) => (column.endsWith('_by') ? 'nvarchar(128)' : 'datetime2');
  const declared = [...before, ...after].map((c) => `${c} ${type(c)} NULL`);
  const output = ['deleted.Contact_RecID', 'deleted.Disable_Flag', ...audit.map(([name]) => `deleted.${name}`), ...audit.map(([name]) => `inserted.${name}`)];
  const columns = [...before, ...after].join(', ');
  return (
    `BEGIN TRANSACTION; DECLARE @changed TABLE (id int NOT NULL PRIMARY KEY, old_value int NULL, ${declared.join(', ')}); ` +
    `UPDATE ${target} SET ${set.join(', ')} OUTPUT ${output.join(', ')} INTO @changed FROM ${from}; ` +
    `INSERT INTO ${BENCH_JOURNAL} (run_id, contact_recid, column_name, old_value, new_value, ${columns}) SELECT 1, id, 'Disable_Flag', old_value, 1, ${columns} FROM @changed; COMMIT;`
  );
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
