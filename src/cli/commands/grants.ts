import { Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { grantsForDatabase, grantsWithoutDatabase } from '../../preflight/grants.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';

/** PostgreSQL's identifiers: NAMEDATALEN - 1 bytes (not characters). */
const PG_NAME_MAX = 63;

const LOGIN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$|^[A-Za-z0-9_.-]{1,15}\\[A-Za-z0-9_.-]{1,64}$/;

/**
 * `grants [--login NAME] [--engine mssql|postgres]`: the script that creates cw-maint's own login
 * and role with exactly what it needs. Without --engine it reads the layout from the database
 * CW_DB_URL names; with --engine it connects to nothing and prints a script that grants only
 * what exists when the DBA runs it.
 */
export function grantsCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('grants').description("print a script creating cw-maint's own login and role, with exactly the permissions it needs"))
    .option('--login <name>', 'the login to create (DOMAIN\\user: a Windows login on SQL Server)', 'cw_maint')
    .addOption(new Option('--engine <engine>', 'print for this engine without connecting (the script checks the layout itself)').choices(['mssql', 'postgres']))
    .action(async (options: CommonOptions & { login: string; engine?: 'mssql' | 'postgres' }) => {
      const ctx = cliContext(options, deps);
      if (!LOGIN_PATTERN.test(options.login)) {
        throw new UsageError(`--login "${options.login}" is not a login name cw-maint will write into a script (letters, digits, _; or DOMAIN\\user).`);
      }
      if (options.login.includes('\\') && options.engine === 'postgres') throw new UsageError('--login DOMAIN\\user is a SQL Server Windows login; PostgreSQL has none.');
      if (!options.engine && !deps.io.env.CW_DB_URL?.trim()) {
        throw new UsageError('grants needs CW_DB_URL, to detect the layout and audit columns, or --engine mssql|postgres, for a script that checks them itself when it runs.');
      }
      const engine = options.engine ?? ctx.connection().engine;
      // PostgreSQL cuts a longer name to 63 bytes, silently: <login>_role could then be cut to
      // another name, or (at 63) to the login itself, and the printed script would fail.
      const role = `${options.login}_role`;
      if (engine === 'postgres' && Buffer.byteLength(role) > PG_NAME_MAX) {
        throw new UsageError(
          `--login "${options.login}" is too long for PostgreSQL: its role "${role}" would be ${Buffer.byteLength(role)} bytes, and PostgreSQL keeps ${PG_NAME_MAX} (a login of at most ${PG_NAME_MAX - '_role'.length} bytes).`,
        );
      }
      const request = { jobs: deps.jobs, login: options.login, journalSchema: ctx.loaded.config.journalSchema };
      const script = options.engine ? grantsWithoutDatabase(options.engine, request) : await grantsForDatabase(ctx.connection(), request);
      deps.io.stdout.write(script);
    });
}
