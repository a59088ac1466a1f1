// `npm run fixture -- [--layout many-to-many|legacy] [--companies N] [--contacts-per-company M] [--seed S] [--verbose]`
// Creates the ConnectWise-shaped test schema and seeded data in the EMPTY database named by
// CW_DB_URL (for trying cw-maint on your own SQL Server or PostgreSQL). It refuses any database
// that already has a dbo.Contact table: it must never touch a real ConnectWise database.
// All or nothing: a failure part-way leaves none of the fixture's tables, so it can simply run again.
import { Command, Option } from 'commander';
import dotenv from 'dotenv';
import { sql, type Kysely } from 'kysely';
import { parseConnectionSpec } from '../src/config/connection-spec.js';
import { usingDatabase } from '../src/db/connect.js';
import { UsageError } from '../src/errors.js';
import { seedConnectWise } from '../src/fixture/generate.js';
import { parseCount } from '../src/cli/shared/args.js';
import { reportError } from '../src/cli/shared/exit.js';

const whole = (flag: string) => (text: string) => parseCount(text, flag);

interface FixtureArgs {
  layout: 'many-to-many' | 'legacy';
  companies: number;
  contactsPerCompany: number;
  seed: number;
  verbose?: boolean;
}

const program = new Command('fixture')
  .addOption(new Option('--layout <layout>', 'company-type layout').choices(['many-to-many', 'legacy']).default('many-to-many'))
  .option('--companies <n>', 'number of companies', whole('--companies'), 200)
  .option('--contacts-per-company <n>', 'average contacts per company', whole('--contacts-per-company'), 4)
  .option('--seed <n>', 'seed of the generator (same seed, same data)', whole('--seed'), 42)
  // Read by reportError below (from argv, so it also applies when the arguments themselves are wrong).
  .option('--verbose', 'stack traces on errors')
  .exitOverride()
  .action(async ({ layout, companies, contactsPerCompany, seed }: FixtureArgs) => {
    dotenv.config({ quiet: true });
    await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), async ({ db, adapter, label }) => {
      if (await hasContactTable(db)) {
        throw new UsageError(`${label} already has dbo.Contact; the fixture only fills an empty database and refuses to touch this one.`);
      }
      const summary = await seedConnectWise(db, adapter, { layout, companies, contactsPerCompany, seed });
      process.stdout.write(`Created the ${layout} test schema on ${label}: ${summary.companies} companies, ${summary.contacts} contacts.\n`);
    });
  });

/** Case-insensitive, as SQL Server compares names under ConnectWise's default collation. */
async function hasContactTable(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES
    WHERE LOWER(TABLE_SCHEMA) = ${'dbo'} AND LOWER(TABLE_NAME) = ${'contact'}`.execute(db);
  return Number(rows[0]?.n) > 0;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error, process.argv.includes('--verbose'));
}
