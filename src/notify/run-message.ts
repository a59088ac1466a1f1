import { printable } from '../printable.js';
import type { FinishedRun } from '../run/pipeline/run-log.js';

/** Where the run ran: a restored copy must never pass for production. */
export interface MessageContext {
  /** Engine, host (and instance, port): no user, no password. */
  server: string;
  database: string;
  /** This machine (for an interrupted run: the machine it ran on). */
  host: string;
}

/** One notification, before it is shaped for a target (e-mail, Slack, Teams, JSON). */
export interface NotifyMessage {
  title: string;
  outcome: string;
  /** Name and value, in the order people read them. */
  facts: Array<{ name: string; value: string }>;
  /** The JSON target's body: the same facts, typed. */
  data: Record<string, unknown>;
}

const REASON_MAX = 500;

/**
 * The facts of one finished run, and nothing else: counts, never a contact's data; the server
 * by host and database, never its credentials.
 */
export function runMessage(run: FinishedRun & { ticket?: string }, where: MessageContext, time: Date): NotifyMessage {
  const job = run.undoOf === undefined ? run.job : `undo of run ${run.undoOf}`;
  const show = run.runId === null ? undefined : `npm run job -- show ${run.runId}`;
  const counts = run.matched === undefined ? undefined : countsText(run);
  const reason = run.reason ? truncate(run.reason) : undefined;
  const title = `cw-maint: ${job} ${run.outcome} (${run.mode}${run.runId === null ? '' : `, run ${run.runId}`}) on ${where.server}`;
  const facts = [
    ['Job', job],
    ['Run', run.runId === null ? 'not recorded' : String(run.runId)],
    ['Mode', run.mode],
    ['Trigger', run.trigger],
    ['Outcome', run.outcome],
    ['Ticket', run.ticket],
    ['Counts', counts],
    ['Reason', reason],
    ['Host', where.host],
    ['Time', time.toISOString()],
    ['Server', where.server],
    ['Database', where.database],
    ['See more', show],
  ].filter((f): f is [string, string] => f[1] !== undefined);
  return {
    title,
    outcome: run.outcome,
    facts: facts.map(([name, value]) => ({ name, value })),
    data: {
      source: 'cw-maint',
      kind: 'run',
      job: run.job,
      ...(run.undoOf === undefined ? {} : { undoOf: run.undoOf }),
      runId: run.runId,
      mode: run.mode,
      trigger: run.trigger,
      outcome: run.outcome,
      ticket: run.ticket ?? null,
      matched: run.matched ?? null,
      changed: run.changed ?? null,
      unchanged: run.unchanged ?? null,
      reason: reason ?? null,
      host: where.host,
      time: time.toISOString(),
      server: where.server,
      database: where.database,
      show: show ?? null,
      title,
    },
  };
}

/** `notify --test`: says where it comes from, and that nothing ran. */
export function testMessage(where: MessageContext, time: Date): NotifyMessage {
  const title = `cw-maint: test message from ${where.host}`;
  const facts = [
    { name: 'Outcome', value: 'test: no job ran' },
    { name: 'Host', value: where.host },
    { name: 'Time', value: time.toISOString() },
    { name: 'Server', value: where.server },
    { name: 'Database', value: where.database },
  ];
  return { title, outcome: 'test', facts, data: { source: 'cw-maint', kind: 'test', outcome: 'test', host: where.host, time: time.toISOString(), server: where.server, database: where.database, title } };
}

function countsText(run: FinishedRun): string {
  const verb = run.mode === 'dry-run' ? 'would change' : 'changed';
  return `matched ${run.matched}, ${verb} ${run.changed ?? 0}, unchanged ${run.unchanged ?? 0}`;
}

function truncate(text: string): string {
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX - 1)}…` : text;
}

/**
 * The message for people (e-mail, Slack, Teams): every text made printable, so a ticket or a
 * reason holding a newline or an escape sequence cannot forge a line. The JSON target gets the
 * data exact.
 */
export function forPeople(message: NotifyMessage): NotifyMessage {
  return { ...message, title: printable(message.title), facts: message.facts.map((f) => ({ name: f.name, value: printable(f.value) })) };
}

/** The message as plain text: the e-mail body, and Slack's fallback. */
export function plainText(message: NotifyMessage): string {
  return [message.title, '', ...message.facts.map((f) => `${f.name}: ${f.value}`)].join('\n');
}
