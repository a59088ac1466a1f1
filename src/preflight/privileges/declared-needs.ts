import type { ConnectWiseTable, Layout } from '../../db/model/layout.js';
import type { RunTable } from '../../db/model/schema.js';
import { MIGRATION_TABLE } from '../../journal/migration-status.js';

/**
 * What cw-maint's commands read besides the jobs (whose reads and writes their own files declare),
 * and what every run needs in cw-maint's own schema: declared here, once. `privilegeNeeds`
 * turns these and the job files into the permission list that the preflight checks and
 * `grants` prints.
 */

const COMPANY_TYPE_LINK: Record<Layout, ConnectWiseTable[]> = {
  legacy: ['dbo.Company_Type'],
  'many-to-many': ['dbo.Company_Type', 'dbo.Company_Company_Type'],
};

export interface CommandReads {
  command: string;
  tables: Record<Layout, ConnectWiseTable[]>;
  why: string;
  when: 'always' | 'apply';
}

/** The ConnectWise tables each read-only command (and undo) reads, per layout. */
export const COMMAND_NEEDS: readonly CommandReads[] = [
  {
    command: 'lookup',
    tables: perLayout((link) => ['dbo.Company_Status', 'dbo.Company', 'dbo.Contact', ...link]),
    why: 'lookup and init list statuses, types and levels with their company and contact counts',
    when: 'always',
  },
  {
    command: 'show',
    tables: perLayout(() => ['dbo.Contact', 'dbo.Company']),
    why: "show prints each journaled contact's name, company and value now",
    when: 'always',
  },
  {
    command: 'undo',
    tables: perLayout(() => ['dbo.Contact', 'dbo.Company']),
    why: 'undo compares each row with what the run wrote, and reports it by name',
    when: 'always',
  },
];

function perLayout(tables: (link: ConnectWiseTable[]) => ConnectWiseTable[]): Record<Layout, ConnectWiseTable[]> {
  return { legacy: tables(COMPANY_TYPE_LINK.legacy), 'many-to-many': tables(COMPANY_TYPE_LINK['many-to-many']) };
}

/**
 * The run table's columns written when a run ends (finishRun, closeInterruptedRuns) and when its
 * notifications are sent (notified_at, notify_error): the only ones it may UPDATE.
 */
export const RUN_OUTCOME_COLUMNS = ['status', 'finished_at', 'matched', 'changed', 'unchanged', 'error', 'notified_at', 'notify_error'] as const satisfies readonly (keyof RunTable)[];

export interface OwnSchemaNeed {
  /** A table of cw-maint's schema (its name there). */
  table: string;
  columns?: readonly string[];
  privilege: 'SELECT' | 'INSERT' | 'UPDATE';
  /** 'every-job': every job, plus the commands listed. */
  neededBy: 'every-job' | 'commands';
  commands: string[];
  why: string;
  when: 'always' | 'apply';
  /** Only where dbo.Contact has audit columns (the after-stamps are written only then). */
  onlyWithAuditColumns?: boolean;
}

const EVERY_COMMAND = ['lookup', 'show', 'history', 'undo', 'migrations-check'];

export const OWN_SCHEMA_NEEDS: readonly OwnSchemaNeed[] = [
  { table: MIGRATION_TABLE, privilege: 'SELECT', neededBy: 'every-job', commands: EVERY_COMMAND, why: "every command first checks cw-maint's migrations", when: 'always' },
  {
    table: 'run',
    privilege: 'SELECT',
    neededBy: 'every-job',
    commands: ['history', 'show', 'undo'],
    why: 'history, show and undo read runs; an apply names the run holding the lock; restore-reactivated reads which runs disabled a contact',
    when: 'always',
  },
  { table: 'run', privilege: 'INSERT', neededBy: 'every-job', commands: ['undo'], why: 'every run, dry or apply, is recorded', when: 'always' },
  {
    table: 'run',
    columns: RUN_OUTCOME_COLUMNS,
    privilege: 'UPDATE',
    neededBy: 'every-job',
    commands: ['undo'],
    why: "a run's outcome is written when it ends (and runs left running by a killed process are closed); nothing else in a run row can change",
    when: 'always',
  },
  {
    table: 'journal',
    privilege: 'SELECT',
    neededBy: 'every-job',
    commands: ['show', 'undo'],
    why: "an apply's --report reads what it journaled; show and undo read the journal; restore-reactivated reads it",
    when: 'always',
  },
  { table: 'journal', privilege: 'INSERT', neededBy: 'every-job', commands: ['undo'], why: 'every changed row is journaled with its before-value and its audit columns right after, in the statement that changes it (INSERT only: history cannot be rewritten)', when: 'apply' },
];
