import { Command } from 'commander';
import { JOBS } from '../../jobs/index.js';
import { jobCommand } from './commands/job.js';
import { migrateCommand } from './commands/migrate.js';
import { migrationsCheckCommand } from './commands/migrations-check.js';
import { historyCommand } from './commands/history.js';
import { scheduleCommand } from './commands/schedule.js';
import { reportError } from './exit.js';

/** `npm run job -- <job|verb> [options]`. Exit codes: see README. */
export function buildProgram(): Command {
  const program = new Command('cw-maint')
    .description('Keeps client-portal access in an on-prem ConnectWise Manage database right.')
    .usage('<job|command> [options]')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.commandsGroup?.('Jobs:');
  for (const job of JOBS) program.addCommand(jobCommand(job));
  program.commandsGroup?.('Commands:');
  program.addCommand(historyCommand());
  program.addCommand(migrateCommand());
  program.addCommand(migrationsCheckCommand());
  program.addCommand(scheduleCommand());
  // Sub-commands inherit exitOverride only when set before they are added; set it on each.
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs one command line; returns the exit code (never calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error, argv.includes('--verbose'));
  }
}
