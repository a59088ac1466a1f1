import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/config-file.js';
import { parseConnectionSpec } from '../../config/connection-spec.js';
import { usingDatabase } from '../../db/connect.js';
import { UsageError } from '../../errors.js';
import { proposeConfig } from '../../lookup/propose-config.js';
import type { CliDeps } from '../shared/io.js';
import dotenv from 'dotenv';

/** `init [--config FILE]`: writes a first config file from the live database; never overwrites one. */
export function initCommand(deps: CliDeps): Command {
  return new Command('init')
    .description('write cw-maint.config.json from this database (proposals, each with a note on what to check)')
    .option('--config <file>', `the file to write (default ./${DEFAULT_CONFIG_FILE} or $CW_MAINT_CONFIG)`)
    .option('--journal-schema <name>', "schema of cw-maint's own tables", 'cw_maint')
    .option('--verbose', 'stack traces on errors')
    .action(async (options: { config?: string; journalSchema: string; verbose?: boolean }) => {
      const { io } = deps;
      dotenv.config({ quiet: true, processEnv: io.env as Record<string, string> });
      const path = resolve(options.config ?? io.env.CW_MAINT_CONFIG ?? DEFAULT_CONFIG_FILE);
      // Checked first: an existing file is never replaced, and nothing is read from the database.
      if (existsSync(path)) throw new UsageError(`${path} already exists; init never overwrites a config file. Move it away, or edit it by hand.`);
      const proposed = await usingDatabase(parseConnectionSpec(io.env.CW_DB_URL), (handle) => proposeConfig(handle, options.journalSchema));
      writeFileSync(path, `${JSON.stringify(proposed, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      io.stdout.write(
        [`Wrote ${path}:`, ...proposed.notes.map((n) => `  - ${n}`), '', `Next: npm run job -- plan${options.config ? ` --config ${options.config}` : ''}`].join('\n') + '\n',
      );
    });
}
