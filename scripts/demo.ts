// `npm run demo [-- <cw-maint arguments>]`: cw-maint against an embedded demo database (PGlite, in
// ./.demo-db), where no server is configured. With no arguments it tells the whole story on a fresh
// demo database: lookup -> init -> plan -> apply one job -> show -> undo -> history. With arguments
// it runs that one command against the demo database (created first if missing), with the config
// the story's init wrote, or demo/cw-maint.demo.json before there is one.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConnectionSpec } from '../src/config/connection-spec.js';
import { usingDatabase } from '../src/db/connect.js';
import { seedConnectWise } from '../src/fixture/generate.js';
import { migrateToLatest } from '../src/journal/migrator.js';
import { JOBS } from '../jobs/index.js';
import { main } from '../src/cli/program.js';

const dataDir = process.env.CW_DEMO_DIR ?? fileURLToPath(new URL('../.demo-db', import.meta.url));
const initConfig = `${dataDir}.config.json`;
const given = process.argv.slice(2);
process.env.CW_DB_URL = `pglite:${dataDir}`;

if (!given.length) {
  // The story starts over each time, so its run numbers are the ones it prints.
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(initConfig, { force: true });
}
const fallbackConfig = fileURLToPath(new URL('../demo/cw-maint.demo.json', import.meta.url));
/** The story's own config once init has written it (and for init itself, where to write it). */
function configFor(args: string[]): string | undefined {
  if (args[0] === 'init' || existsSync(initConfig)) return initConfig;
  return given.length ? fallbackConfig : undefined;
}

if (!existsSync(dataDir)) {
  process.stderr.write(`Creating the demo database in ${dataDir} ...\n`);
  await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), async ({ db, adapter }) => {
    const summary = await seedConnectWise(db, adapter, { layout: 'many-to-many', companies: 200, contactsPerCompany: 4, seed: 42 });
    const { error } = await migrateToLatest(db, adapter, 'cw_maint');
    if (error) throw error;
    process.stderr.write(`Demo database ready: ${summary.companies} companies, ${summary.contacts} contacts.\n`);
  });
}

const story: Array<{ say: string; args: string[] }> = [
  { say: 'Which company statuses mean active and inactive here?', args: ['lookup', 'statuses'] },
  { say: 'Which company types are clients?', args: ['lookup', 'types'] },
  { say: 'A first config from the database itself, each value with what to check:', args: ['init'] },
  { say: 'Before the change window: what every job would change (writes nothing):', args: ['plan'] },
  { say: 'Apply one job, with a change ticket:', args: ['revoke-inactive', '--yes', '--ticket', 'DEMO-1'] },
  { say: 'What that run changed (the first 5 of its journaled rows):', args: ['show', '1', '--limit', '5'] },
  { say: 'Changed our mind: put every row back as it was:', args: ['undo', '1', '--yes'] },
  { say: 'The audit trail:', args: ['history', '--limit', '5'] },
];
const steps = given.length ? [{ say: '', args: given }] : story;
// The story is the commands' own output. Their info log lines (run.start, run.end) go to stderr
// while the run goes on, so on a terminal "run succeeded" came before the plan it belongs to;
// a single command (npm run demo -- <command>) logs as cw-maint always does.
if (!given.length) process.env.LOG_LEVEL ??= 'warn';
let code = 0;
for (const { say, args } of steps) {
  const config = configFor(args);
  if (config) process.env.CW_MAINT_CONFIG = config;
  else delete process.env.CW_MAINT_CONFIG;
  process.stdout.write(`\n${say ? `# ${say}\n` : ''}$ cw-maint ${args.join(' ')}\n`);
  code = await main([process.argv[0]!, 'cw-maint', ...args], JOBS);
  if (code !== 0) break;
}
process.exitCode = code;
