import type { Command } from 'commander';
import { UsageError } from '../../errors.js';

/**
 * `npm run job revoke-inactive --dry-run` (no `--`): npm takes --dry-run as its own option, so
 * cw-maint never sees it and would apply. npm leaves a trace of each flag it took in the
 * environment (npm_config_dry_run=true, npm_config_<flag> for flags it does not know). Under npm,
 * any such trace of one of cw-maint's flags refuses the run: a flag meant for cw-maint is never
 * taken from npm's environment, and never silently dropped. npm_config_yes in particular may be
 * set for every npm command (npmrc, CI), so it is refused, not honoured.
 */
export function assertNoFlagTakenByNpm(env: NodeJS.ProcessEnv, program: Command, argv: readonly string[]): void {
  if (!env.npm_lifecycle_event) return; // not started by `npm run`
  const flags = new Set<string>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) if (option.long) flags.add(option.long.slice(2));
  }
  flags.delete('help');
  flags.delete('version');
  const taken = [...flags].filter((flag) => isSet(env[`npm_config_${flag.replace(/-/g, '_')}`])).sort();
  if (!taken.length) return;
  const args = argv.slice(2).join(' ');
  const intended = [args, ...taken.map((f) => `--${f}`)].filter(Boolean).join(' ');
  throw new UsageError(
    `npm took ${taken.map((f) => `--${f}`).join(', ')} as its own option (a flag after \`npm run ${env.npm_lifecycle_event}\` needs \`--\` before it), ` +
      `so cw-maint did not see it; nothing was run. Use: npm run ${env.npm_lifecycle_event} -- ${intended}` +
      `   (or without npm: node bin/cw-maint.js ${intended}). If npm_config_${taken[0]!.replace(/-/g, '_')} is set in your environment or npmrc, unset it.`,
  );
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== 'false';
}
