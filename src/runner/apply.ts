import { sql, type Kysely, type Transaction } from 'kysely';
import type { EngineAdapter } from '../db/adapters/index.js';
import type { Database } from '../db/schema.js';
import { RunFailedError } from '../errors.js';
import { inTransaction } from './transaction.js';
import { cwMaintTables } from '../journal/tables.js';
import { columnAsInt, differs, setList, type Change } from './change.js';
import { auditBefore, JOURNAL_AUDIT_BEFORE, recordAuditAfter } from './journal-audit.js';
import type { AnyJob, TargetContext } from './job-definition.js';

export interface ApplyInput {
  job: AnyJob;
  params: Record<string, unknown>;
  change: Change;
  context: TargetContext;
  runId: number;
  journalSchema: string;
  auditColumns: readonly string[];
  updatedBy: string;
  /** The plan's `changed`: the journal must hold exactly this many rows, or the data moved under us. */
  expectedChanges: number;
  /** Test-only: called between the journal insert and the update (failure injection, pauses). */
  afterJournal?: (signal?: AbortSignal) => Promise<void>;
  /** Aborted by a shutdown that ran out of grace: the transaction rolls back at the next step. */
  signal?: AbortSignal;
}

/**
 * One transaction: journal the before-values server-side (INSERT ... SELECT, no OUTPUT clause,
 * which SQL Server rejects on tables with enabled triggers), update exactly the journaled rows,
 * prove the counts agree, and close the run row. Any error rolls all of it back, so the journal
 * and Contact always agree.
 */
export async function applyJournaled(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  input: ApplyInput,
): Promise<{ changed: number }> {
  const checkpoint = () => {
    if (input.signal?.aborted) throw new RunFailedError('Cancelled by shutdown before commit; rolled back.');
  };
  return inTransaction(db, async (trx) => {
    checkpoint();
    const journaled = await insertJournal(trx, input);
    if (journaled !== input.expectedChanges) {
      throw new RunFailedError(
        `The data changed between plan and apply (planned ${input.expectedChanges} changes, found ${journaled}); nothing was applied. Run again.`,
      );
    }
    await input.afterJournal?.(input.signal);
    checkpoint();
    await updateQuery(trx, adapter, input).execute();
    await recordAuditAfter(trx, input.journalSchema, input.runId, input.auditColumns);
    // The UPDATE can only touch journaled rows (its WHERE says so); count how many of them now
    // hold the new value. The driver's affected-row count is no proof: a trigger's own statements
    // add to it on SQL Server.
    const updated = await countUpdated(trx, input);
    if (updated !== journaled) {
      throw new RunFailedError(`Updated ${updated} of the ${journaled} journaled rows (the data moved during the run); rolled back.`);
    }
    checkpoint();
    return { changed: updated };
  });
}

async function insertJournal(trx: Transaction<Database>, input: ApplyInput): Promise<number> {
  const result = await journalInsertQuery(trx, input).executeTakeFirstOrThrow();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

async function countUpdated(trx: Transaction<Database>, input: ApplyInput): Promise<number> {
  const row = await verifyQuery(trx, input).executeTakeFirstOrThrow();
  return Number(row.updated);
}

export type StatementInput = Omit<ApplyInput, 'expectedChanges' | 'afterJournal' | 'signal'>;

export function journalInsertQuery(trx: Kysely<Database>, input: StatementInput) {
  const { job, params, change, context, runId } = input;
  const tables = cwMaintTables(input.journalSchema);
  return trx
    .insertInto(tables.journal)
    .columns(['run_id', 'contact_recid', 'column_name', 'old_value', 'new_value', ...JOURNAL_AUDIT_BEFORE])
    .expression(
      trx
        .selectFrom('dbo.Contact')
        .where((eb) => eb.and([job.target(eb, params, context), differs(eb, change)]))
        .select([
          // Casts: PostgreSQL cannot infer a bare parameter's type in a SELECT list.
          sql<number>`cast(${runId} as int)`.as('run_id'),
          'dbo.Contact.Contact_RecID as contact_recid',
          sql<string>`cast(${change.column} as varchar(128))`.as('column_name'),
          columnAsInt(change).as('old_value'),
          sql<number>`cast(${change.journalValue} as int)`.as('new_value'),
          ...auditBefore(input.auditColumns),
        ]),
    );
}

export function updateQuery(trx: Kysely<Database>, adapter: EngineAdapter, input: StatementInput) {
  const { job, params, change, context, runId } = input;
  const tables = cwMaintTables(input.journalSchema);
  return trx
    .updateTable('dbo.Contact')
    .set(setList(change, input.auditColumns, input.updatedBy, adapter))
    .where((eb) =>
      eb.and([
        eb(
          'dbo.Contact.Contact_RecID',
          'in',
          eb.selectFrom(tables.journalAs).select('j.contact_recid').where('j.run_id', '=', runId),
        ),
        // Re-checked so a row that stopped matching since the journal insert is left alone (and the counts then disagree).
        job.target(eb, params, context),
        differs(eb, change),
      ]),
    );
}

/** Journaled rows of this run whose Contact row now holds the new value. */
export function verifyQuery(trx: Kysely<Database>, input: StatementInput) {
  const { change, runId } = input;
  const tables = cwMaintTables(input.journalSchema);
  return trx
    .selectFrom(tables.journalAs)
    .select(sql<number>`cast(count(*) as int)`.as('updated'))
    .where('j.run_id', '=', runId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('dbo.Contact')
          .select('dbo.Contact.Contact_RecID')
          .whereRef('dbo.Contact.Contact_RecID', '=', 'j.contact_recid')
          .where(`dbo.Contact.${change.column}`, '=', change.value),
      ),
    );
}
