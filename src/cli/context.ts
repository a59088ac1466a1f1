import dotenv from 'dotenv';
import { loadConfigFile, type LoadedConfig } from '../config/config-file.js';
import { parseConnectionSpec, type ConnectionSpec } from '../config/connection-spec.js';
import { createLogger, type Logger } from '../log.js';
import { JOB_NAMES } from '../../jobs/index.js';

export interface CommonOptions {
  config?: string;
  verbose?: boolean;
}

export interface CliContext {
  log: Logger;
  loaded: LoadedConfig;
  /** Parsed lazily: validation errors come before any connection problem. */
  connection(): ConnectionSpec;
}

let envLoaded = false;

/** .env (quietly: dotenv 17 prints a banner otherwise), the logger and the config file. */
export function cliContext(options: CommonOptions): CliContext {
  if (!envLoaded) {
    dotenv.config({ quiet: true });
    envLoaded = true;
  }
  const log = createLogger({ verbose: options.verbose });
  const loaded = loadConfigFile(options.config, JOB_NAMES);
  return { log, loaded, connection: () => parseConnectionSpec(process.env.CW_DB_URL) };
}
