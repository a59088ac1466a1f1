import { Command, CommanderError } from 'commander';
import type { AnyJob } from '../vocabulary/job-definition.js';
import { applyCommand } from './commands/apply.js';
import { grantsCommand } from './commands/grants.js';
import { historyCommand } from './commands/history.js';
import { jobCommand } from './commands/job.js';
import { migrateCommand } from './commands/migrate.js';
import { migrationsCheckCommand } from './commands/migrations-check.js';
import { notifyCommand } from './commands/notify.js';
import { initCommand } from './commands/init.js';
import { listCommand } from './commands/list.js';
import { lookupCommand } from './commands/lookup.js';
import { planCommand } from './commands/plan.js';
import { scheduleCommand } from './commands/schedule.js';
import { showCommand } from './commands/show.js';
import { undoCommand } from './commands/undo.js';
import { reportError } from './shared/exit.js';
import { printJsonFailure } from './shared/json-outcome.js';
import { assertNoFlagTakenByNpm } from './shared/npm-guard.js';
import { VERSION } from '../version.js';
import { processIo, type CliDeps, type CliIo, type CliSeams } from './shared/io.js';

/** `npm run job -- <job|verb> [options]`. Exit codes: see README. */
export function buildProgram(deps: CliDeps): Command {
  const program = new Command('cw-maint')
    .description('Keeps client-portal access in an on-prem ConnectWise Manage database right.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .usage('<job|command> [options]')
    .showHelpAfterError('(run with --help for usage)');
  program.commandsGroup?.('Jobs:');
  for (const job of deps.jobs) program.addCommand(jobCommand(job, deps));
  program.commandsGroup?.('Commands:');
  program.addCommand(lookupCommand(deps));
  program.addCommand(initCommand(deps));
  program.addCommand(listCommand(deps));
  program.addCommand(planCommand(deps));
  program.addCommand(applyCommand(deps));
  program.addCommand(historyCommand(deps));
  program.addCommand(showCommand(deps));
  program.addCommand(undoCommand(deps));
  program.addCommand(migrateCommand(deps));
  program.addCommand(migrationsCheckCommand(deps));
  program.addCommand(grantsCommand(deps));
  program.addCommand(scheduleCommand(deps));
  program.addCommand(notifyCommand(deps));
  // Sub-commands inherit these only when set before they are added; set them on each.
  const output = { writeOut: (s: string) => void deps.io.stdout.write(s), writeErr: (s: string) => void deps.io.stderr.write(s) };
  for (const command of [program, ...program.commands]) command.exitOverride().configureOutput(output);
  return program;
}

/** Runs one command line with the given job registry; returns the exit code (never calls process.exit). `seams`: tests only. */
export async function main(argv: string[], jobs: readonly AnyJob[], io: CliIo = processIo(), seams?: CliSeams): Promise<number> {
  let code = 0;
  const program = buildProgram({ jobs, io, exit: (c) => (code = c), seams });
  if (argv.length <= 2) {
    program.outputHelp();
    return 2;
  }
  try {
    assertNoFlagTakenByNpm(io.env, program, argv);
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    // --json: one object on stdout for every outcome; a verb that knows more (job, mode) printed its own.
    const helpOrVersion = error instanceof CommanderError && error.exitCode === 0;
    if (argv.includes('--json') && !helpOrVersion) printJsonFailure(io, error, { command: argv[2] ?? null });
    return reportError(error, argv.includes('--verbose'), io.stderr);
  }
}
