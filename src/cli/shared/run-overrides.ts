import type { ConfigFile } from '../../config/config-file.js';
import { ticketProblems } from '../../config/ticket-rule.js';
import { UsageError } from '../../errors.js';
import { allChecked, parseCount, parsePercent, parseRecIds } from './args.js';

/** The ticket of one run: the flag's (blank is none), else the config's; checked against the config's rule. */
export function runTicket(flag: string | undefined, config: ConfigFile, writes: boolean): string | undefined {
  const ticket = flag?.trim() || undefined;
  const problems = ticketProblems(ticket ?? config.ticket, config, writes, ticket === undefined && config.ticket !== undefined ? 'ticket' : '--ticket');
  if (problems.length) throw new UsageError(problems[0]!, problems.slice(1));
  return ticket;
}

/**
 * The one-run overrides of the config's limits (the intended way through a large first run),
 * every problem reported together. Whether an --allow-status RecID exists is checked once
 * connected, before any lock or write.
 */
export function runOverrides(
  options: { maxChanges?: string; maxPercent?: string; allowStatus?: string; ticket?: string },
  config: ConfigFile,
  writes: boolean,
) {
  const [maxChanges, maxPercent, allowStatuses, ticket] = allChecked<[number | undefined, number | undefined, number[] | undefined, string | undefined]>([
    () => (options.maxChanges === undefined ? undefined : parseCount(options.maxChanges, '--max-changes')),
    () => (options.maxPercent === undefined ? undefined : parsePercent(options.maxPercent, '--max-percent')),
    () => (options.allowStatus === undefined ? undefined : parseRecIds(options.allowStatus, '--allow-status')),
    () => runTicket(options.ticket, config, writes),
  ]);
  return { maxChanges, maxPercent, allowStatuses, ticket };
}
