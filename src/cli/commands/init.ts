import { printable } from '../../printable.js';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { statIfAny } from '../../report/report-target.js';
import { basename, dirname, resolve } from 'node:path';
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
      checkNewFile(path, options.config ?? io.env.CW_MAINT_CONFIG ?? DEFAULT_CONFIG_FILE);
      const proposed = await usingDatabase(parseConnectionSpec(io.env.CW_DB_URL), (handle) => proposeConfig(handle, options.journalSchema));
      try {
        writeFileSync(path, `${JSON.stringify(proposed, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        throw new UsageError(`Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; nothing was written.`, [], { cause: error });
      }
      io.stdout.write(
        [`Wrote ${path}:`, ...proposed.notes.map((n) => `  - ${printable(n)}`), '', `Next: npm run job -- plan${options.config ? ` --config ${options.config}` : ''}`].join('\n') + '\n',
      );
    });
}

/** Where init writes must be a new file in a folder that exists and may be written, with a name the file system takes. */
function checkNewFile(path: string, given: string): void {
  const problem = (text: string) => new UsageError(`--config ${given}: ${text}; nothing was read or written.`);
  if (Buffer.byteLength(basename(path)) > 255) throw problem(`the file name is too long (${Buffer.byteLength(basename(path))} bytes; at most 255)`);
  if (Buffer.byteLength(path) > 4095) throw problem('the path is too long (at most 4,095 bytes)');
  const folder = statIfAny(dirname(path));
  if (folder === 'not-a-folder' || (folder && !folder.isDirectory())) throw problem(`${dirname(path)} is not a folder`);
  if (!folder) throw problem(`the folder ${dirname(path)} does not exist; create it first`);
  if (statIfAny(path)) throw new UsageError(`${path} already exists; init never overwrites a config file. Move it away, or edit it by hand.`);
  try {
    accessSync(dirname(path), constants.W_OK | constants.X_OK);
  } catch {
    throw problem(`cannot write in the folder ${dirname(path)} (permission denied)`);
  }
}
