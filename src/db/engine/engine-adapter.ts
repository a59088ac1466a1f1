import type { ColumnDefinitionBuilder, CreateTableBuilder, Dialect, Insertable, Kysely, RawBuilder } from 'kysely';
import type { ConnectionSpec } from '../../config/connection-spec.js';
import type { Logger } from '../../log.js';
import type { RunTable } from '../model/schema.js';
import type { PlannedChunk } from './planned-rows.js';
import type { DatabaseFacts } from './database-identity.js';
import type { JournaledBatch, JournaledBatchStatement, JournaledRestore } from './journaled-statements.js';
import type { PrivilegeAsk, PrivilegeSnapshot } from './privileges.js';
import type { GrantsDialect, ScriptDialect } from './scripts.js';

/** A column type as Kysely's schema builder takes it ('integer', sql`bit`, ...). */
export type DataTypeExpression = Parameters<CreateTableBuilder<string, never>['addColumn']>[1];

export type Engine = ConnectionSpec['engine'];

export interface SessionLimits {
  lockTimeoutMs: number;
  /** 0: no limit. */
  statementTimeoutMs: number;
}

/** `session`: the database session that holds it (read in the same round trip, for the run row). */
export type LockOutcome = { acquired: true; session: string } | { acquired: false; reason: 'held' | 'error'; detail: string };

/**
 * Everything that differs between SQL Server and PostgreSQL, one engine folder each (src/db/mssql,
 * src/db/postgres), split by concern as Kysely splits a dialect into driver, adapter, introspector
 * and query compiler. Jobs, the run pipeline, the preflight and the journal never branch on the
 * engine; they ask the concern they need.
 */
export interface EngineAdapter {
  readonly engine: Engine;
  readonly driver: EngineDriver;
  readonly ddl: EngineDdl;
  readonly statements: EngineStatements;
  readonly locks: RunLocks;
  readonly introspector: EngineIntrospector;
  readonly capabilities: EngineCapabilities;
}

/** Connecting, compiling without a server, and what the driver's errors mean. */
export interface EngineDriver {
  /**
   * A dialect whose every session waits at most `limits.lockTimeoutMs` for a lock held by
   * someone else (a technician editing a contact) and runs no statement longer than
   * `limits.statementTimeoutMs` (0: no limit). Set when each connection is made: pooled sessions
   * are not reset between uses, and SQL Server undoes a SET made inside sp_executesql (which is
   * how the driver sends every statement) when that statement ends. `log` gets the driver's own
   * connection errors.
   */
  createDialect(spec: ConnectionSpec, poolSize: number, limits?: SessionLimits, log?: Logger): Promise<Dialect>;
  /** The same SQL, compiled but never sent (DummyDriver): for migrate --dry-run and sql/compiled/. */
  compileOnlyDialect(): Dialect;
  /** true where the database has one session only (the embedded one): nothing can run beside an open transaction. */
  oneSession(spec: ConnectionSpec): boolean;
  /** What kind of failure a statement error is, where it matters to the runner. */
  classifyError(error: unknown): 'lock-timeout' | 'statement-timeout' | 'deadlock' | undefined;
  /** Turns a driver error at connect time into one line for the operator, or undefined when it is not one. */
  describeConnectError(error: unknown): string | undefined;
  /** Message of a failed statement, without driver noise. */
  describeStatementError(error: unknown): string;
  /**
   * Why the connection was lost, when `error` says that it was (the server ended the session, the
   * socket closed); undefined for any other error, a statement's own failure included.
   */
  lostConnectionReason(error: unknown): string | undefined;
}

/** cw-maint's own DDL, and the scripts a DBA runs by hand (migrate --print-sql, grants). */
export interface EngineDdl {
  /** Column types for cw-maint's own DDL. */
  readonly types: {
    readonly bool: DataTypeExpression;
    readonly text: DataTypeExpression;
    readonly timestamp: DataTypeExpression;
    shortText(length: number): DataTypeExpression;
  };
  /** Widens a NOT NULL text column to `length` characters, keeping it NOT NULL (SQL Server must restate it). */
  widenTextColumn(db: Kysely<any>, table: string, column: string, length: number): Promise<void>;
  /** Drops every foreign key of a table, whatever the server named it (found by the server itself, so a printed script does it too). */
  dropForeignKeys(db: Kysely<any>, schema: string, table: string): Promise<void>;
  /** Renames a table within its schema. */
  renameTable(db: Kysely<any>, schema: string, from: string, to: string): Promise<void>;
  /** Makes an integer column an identity (auto-number) column. */
  identity(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** CREATE SCHEMA when it does not exist yet (SQL Server has no IF NOT EXISTS for it). */
  createSchemaIfMissing(db: Kysely<any>, schema: string): Promise<void>;
  /** How a script for this engine's own tools is written: literals, batches, transaction. */
  readonly script: ScriptDialect;
  /** The statements of the grants script. */
  readonly grants: GrantsDialect;
}

/** The statements a run sends that are written differently per engine. */
export interface EngineStatements {
  /** The server's local time and UTC time, as the engine's timestamp type (for audit columns). */
  localNow(): RawBuilder<Date>;
  utcNow(): RawBuilder<Date>;
  /** A journaled int cast back to a flag column's type (bit, boolean). */
  readonly boolType: DataTypeExpression;
  /** One batch of an apply: update and journal up to `batch.size` rows in one round trip. */
  journaledBatch(batch: JournaledBatch): JournaledBatchStatement;
  /** The row count of dbo.Contact the server keeps in its catalog (an estimate; NULL or negative where it has none). */
  catalogContacts(): RawBuilder<number | null>;
  /** An audit column as text the server renders (a timestamp to the unit the type stores; text as it is): what a plan file keeps and an apply compares. */
  auditText(column: RawBuilder<unknown>, kind: 'time' | 'text'): RawBuilder<string | null>;
  /** A chunk of planned rows as the relation `f(id, before, a0, a1, a2)`: one parameter, never one per row. */
  plannedRelation(chunk: PlannedChunk): RawBuilder<unknown>;
  /** An undo's restore (or one batch of it): update and journal in one round trip, the journal INSERT-only. */
  journaledRestore(restore: JournaledRestore): RawBuilder<{ written: number }>;
  /** Inserts a run row and returns its generated run_id (OUTPUT on SQL Server, RETURNING on PostgreSQL). */
  insertRunReturningId(db: Kysely<any>, runTable: string, values: Insertable<RunTable>): Promise<number>;
}

/**
 * The run lock, one per database (its name is `cw-maint:apply:` and the database's name, lower-
 * cased, built by the server so that a script takes the same lock): owned by a transaction, so
 * that COMMIT, ROLLBACK or the end of the session releases it and no pooled connection can ever
 * keep it. Never waits.
 */
export interface RunLocks {
  /** Takes the lock inside the open transaction `trx`. */
  tryLock(trx: Kysely<any>): Promise<LockOutcome>;
  /** The same lock in a script a DBA runs (migrate --print-sql): statements before and after the script's own. */
  readonly script: { take: readonly string[]; release: readonly string[] };
}

/** What the server says about this login and this database, beyond the catalog every engine has. */
export interface EngineIntrospector {
  /** The login's permissions on the tables asked about, and which tables exist, visible or not (one round trip). */
  probePrivileges(db: Kysely<any>, asked: readonly PrivilegeAsk[], journalSchema: string): Promise<PrivilegeSnapshot>;
  /**
   * Whether reads under READ COMMITTED see row versions instead of waiting on writers' locks
   * (SQL Server's READ_COMMITTED_SNAPSHOT database option; PostgreSQL always does: true).
   * Reported by migrations-check; an apply never uses SNAPSHOT isolation either way.
   */
  readCommittedSnapshot(db: Kysely<any>): Promise<boolean>;
  /**
   * How an apply sends the rows its plan found: `inline` where the server cannot read them from
   * one parameter (SQL Server below compatibility level 130 has no OPENJSON), with why.
   */
  plannedRowsForm(db: Kysely<any>): Promise<{ inline: boolean; note?: string }>;
  /** The database's identity and the server's clock (a saved plan's header). */
  databaseFacts(db: Kysely<any>): Promise<DatabaseFacts>;
  /** Seconds from `at` (a time databaseFacts gave) to the server's clock now: negative for a time in the future. */
  secondsSince(db: Kysely<any>, at: string): Promise<number>;
}

export interface EngineCapabilities {
  /**
   * SQL Server escalates one statement's 5,000th row lock on a table to a table lock, which would
   * block ConnectWise for the rest of the apply; an apply there updates in batches. PostgreSQL never
   * escalates, so its apply is one statement (batches would only repeat the search).
   */
  readonly escalatesRowLocks: boolean;
}
