// `npm run demo [-- <cw-maint arguments>]`: cw-maint against an embedded demo database (PGlite, in
// ./.demo-db), where no server is configured. The first run creates a ConnectWise-shaped database
// from the seeded generator (200 companies, the many-to-many type layout) and migrates cw-maint's
// tables. With no arguments it shows the main job end to end: dry run, apply, undo, history.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConnectionSpec } from '../src/config/connection-spec.js';
import { usingDatabase } from '../src/db/connect.js';
import { seedConnectWise } from '../src/fixture/generate.js';
import { migrateToLatest } from '../src/journal/migrator.js';
import { JOBS } from '../jobs/index.js';
import { main } from '../src/cli/program.js';

const dataDir = process.env.CW_DEMO_DIR ?? fileURLToPath(new URL('../.demo-db', import.meta.url));
process.env.CW_DB_URL = `pglite:${dataDir}`;
process.env.CW_MAINT_CONFIG = fileURLToPath(new URL('../demo/cw-maint.demo.json', import.meta.url));

if (!existsSync(dataDir)) {
  process.stderr.write(`Creating the demo database in ${dataDir} ...\n`);
  await usingDatabase(parseConnectionSpec(process.env.CW_DB_URL), async ({ db, adapter }) => {
    const summary = await seedConnectWise(db, adapter, { layout: 'many-to-many', companies: 200, contactsPerCompany: 4, seed: 42 });
    const { error } = await migrateToLatest(db, adapter, 'cw_maint');
    if (error) throw error;
    process.stderr.write(`Demo database ready: ${summary.companies} companies, ${summary.contacts} contacts.\n`);
  });
}

const given = process.argv.slice(2);
const steps = given.length
  ? [given]
  : [
      ['revoke-inactive', '--dry-run'],
      ['revoke-inactive', '--yes', '--ticket', 'DEMO-1'],
      ['undo', '2', '--yes'],
      ['history', '--limit', '5'],
    ];
let code = 0;
for (const args of steps) {
  process.stdout.write(`\n$ cw-maint ${args.join(' ')}\n`);
  code = await main([process.argv[0]!, 'cw-maint', ...args], JOBS);
  if (code !== 0) break;
}
process.exitCode = code;
