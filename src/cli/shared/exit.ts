import { printable } from '../../printable.js';
import { CommanderError } from 'commander';
import { CwMaintError, ExitCode } from '../../errors.js';

/**
 * The one place errors become output and an exit code. Expected errors get one clear line
 * (plus one line per problem) and no stack; --verbose adds the stack and the cause.
 */
export function reportError(error: unknown, verbose = false, stderr: { write(text: string): unknown } = process.stderr): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message; help and --version are successes.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof CwMaintError) {
    const lines = [`cw-maint: ${printable(error.message)}`, ...error.details.map((d) => `  - ${printable(d)}`)];
    stderr.write(`${lines.join('\n')}\n`);
    if (verbose) stderr.write(`${error.stack}\n${error.cause ? `cause: ${String((error.cause as Error)?.stack ?? error.cause)}\n` : ''}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`cw-maint: unexpected error: ${printable(message)}\n`);
  if (verbose && error instanceof Error) stderr.write(`${error.stack}\n`);
  else stderr.write('  (run again with --verbose for details)\n');
  return ExitCode.runtime;
}
