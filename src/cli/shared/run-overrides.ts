import { UsageError } from '../../errors.js';
import { parseCount } from './args.js';

/** The one-run overrides of the config's limits (the intended way through a large first run). */
export function runOverrides(options: { maxChanges?: string; maxPercent?: string; allowStatus?: string; ticket?: string }) {
  const percent = options.maxPercent === undefined ? undefined : Number(options.maxPercent);
  if (percent !== undefined && !(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    throw new UsageError(`--max-percent must be a number from 0 to 100, got "${options.maxPercent}"`);
  }
  return {
    maxChanges: options.maxChanges === undefined ? undefined : parseCount(options.maxChanges, '--max-changes'),
    maxPercent: percent,
    allowStatuses: options.allowStatus === undefined ? undefined : options.allowStatus.split(',').map((id) => parseCount(id, '--allow-status')),
    ticket: options.ticket?.trim() || undefined,
  };
}
