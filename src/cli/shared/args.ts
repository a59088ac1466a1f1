import { UsageError } from '../../errors.js';

/** A whole-number option (`--limit`, `--max-changes`, `--companies`): anything else is a usage error (exit 2). */
export function parseCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return Number(text);
}
