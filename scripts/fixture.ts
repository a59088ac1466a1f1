// `npm run fixture -- [--layout many-to-many|legacy] [--companies N] [--contacts-per-company M] [--seed S]`
// Creates the ConnectWise-shaped test schema and seeded data in the EMPTY database named by
// CW_DB_URL (for trying cw-maint on your own SQL Server or PostgreSQL). It refuses any database
// that already has a dbo.Contact table: it must never touch a real ConnectWise database.
import { Command, Option } from 'commander';
import dotenv from 'dotenv';
import { parseConnectionSpec } from '../src/config/connection-spec.js';
import { usingDatabase } from '../src/db/connect.js';
import { UsageError } from '../src/errors.js';
import { seedConnectWise } from '../src/fixture/generate.js';
import { parseCount } from '../src/cli/args.js';
import { reportError } from '../src/cli/exit.js';
import { inspectSchema, hasObject } from '../migrations-check/inspect.js';

const whole = (flag: string) => (text: string) => parseCount(text, flag);

const program = new Command('fixture')
  .addOption(new Option('--layout <layout>', 'company-type layout').choices(['many-to-many', 'legacy']).default('many-to-many'))
  .option('--companies <n>', 'number of companies', whole('--companies'), 200)
  .option('--contacts-per-company <n>', 'average contacts per company', whole('--contacts-per-company'), 4)
  .option('--seed <n>', 'seed of the generator (same seed, same data)', whole('--seed'), 42)
  .exitOverride()
  .action(async (options: { layout: 'many-to-many' | 'legacy'; companies: number; contactsPerCompany: number; seed: number }) => {
    dotenv.config({ quiet: true });
    await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), async ({ db, adapter, label }) => {
      if (hasObject(await inspectSchema(db), 'dbo.Contact')) {
        throw new UsageError(`${label} already has dbo.Contact; the fixture only fills an empty database and refuses to touch this one.`);
      }
      const summary = await seedConnectWise(db, adapter, { ...options });
      process.stdout.write(`Created the ${options.layout} test schema on ${label}: ${summary.companies} companies, ${summary.contacts} contacts.\n`);
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error, process.argv.includes('--verbose'));
}
