/**
 * The change-ticket rule: a ticket fits the run table's column (100 characters), matches the
 * config's `ticketPattern` when there is one, and an apply or undo without one is refused when the
 * config says `requireTicket`. Checked before anything is connected to (exit 2).
 */
export const TICKET_MAX = 100;

interface TicketRule {
  ticket?: string;
  requireTicket: boolean;
  ticketPattern?: string;
  jobs: Record<string, Record<string, unknown>>;
}

/** The problems of one run's ticket (the flag's, else the config's); `writes`: an apply or undo. */
export function ticketProblems(ticket: string | undefined, rule: TicketRule, writes: boolean, flag = '--ticket'): string[] {
  if (ticket === undefined) {
    return writes && rule.requireTicket
      ? [`${flag}: required: the config says "requireTicket", so an apply or undo needs a change-ticket reference (${flag} REF, or "ticket" in the config)`]
      : [];
  }
  // UTF-16 code units: what SQL Server's nvarchar(100) counts, and never fewer than PostgreSQL's characters.
  if (ticket.length > TICKET_MAX) return [`${flag}: at most ${TICKET_MAX} characters (the run table's column), got ${ticket.length}`];
  if (rule.ticketPattern && !new RegExp(rule.ticketPattern, 'u').test(ticket)) {
    return [`${flag}: does not match the config's ticketPattern ${rule.ticketPattern}`];
  }
  return [];
}

/** The config's own ticket against its pattern, and scheduled applies that could never run without a ticket. */
export function ticketRuleProblems(config: TicketRule): string[] {
  const problems = config.ticket === undefined ? [] : ticketProblems(config.ticket, config, true, 'ticket');
  if (config.requireTicket && config.ticket === undefined) {
    for (const [job, entry] of Object.entries(config.jobs)) {
      if (entry.schedule !== undefined && entry.mode === 'apply') {
        problems.push(`jobs.${job}: a scheduled apply needs a ticket: "requireTicket" is set, so give "ticket" in the config`);
      }
    }
  }
  return problems;
}
