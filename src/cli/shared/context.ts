import { resolve } from 'node:path';
import type { Command } from 'commander';
import dotenv from 'dotenv';
import type { LoadedConfig } from '../../config/config-file.js';
import { loadJobsConfig } from '../../vocabulary/job-params.js';
import { parseConnectionSpec, type ConnectionSpec } from '../../config/connection-spec.js';
import { createLogger, type Logger } from '../../log.js';
import { connectionNotices, connectionWarnings, readableByOthers } from '../../config/connection-warnings.js';
import { usingDatabase, type DatabaseHandle, type OpenOptions } from '../../db/connect.js';
import type { CliDeps } from './io.js';

/** The options every verb takes. */
export interface CommonOptions {
  config?: string;
  verbose?: boolean;
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'config file (default ./cw-maint.config.json or $CW_MAINT_CONFIG)')
    .option('--verbose', 'debug logs, and stack traces on errors');
}

export interface CliContext {
  log: Logger;
  loaded: LoadedConfig;
  /** Parsed lazily: validation errors come before any connection problem. */
  connection(): ConnectionSpec;
  /** The database of CW_DB_URL for `fn`, closed afterwards; the driver's own errors reach this run's log. */
  usingDatabase<T>(fn: (handle: DatabaseHandle) => Promise<T>, options?: OpenOptions): Promise<T>;
}

/** .env (quietly: dotenv 17 prints a banner otherwise), the logger and the config file. */
export function cliContext(options: CommonOptions, deps: CliDeps): CliContext {
  const { env, stderr } = deps.io;
  dotenv.config({ quiet: true, processEnv: env as Record<string, string> });
  const log = createLogger({ verbose: options.verbose, env, stream: stderr });
  const loaded = loadJobsConfig(options.config, deps.jobs, env);
  // The embedded demo database has no password to protect.
  const embedded = /^\s*pglite:/i.test(env.CW_DB_URL ?? '');
  for (const warning of embedded ? [] : readableByOthers([resolve('.env'), loaded.path])) log.warn({ event: 'secrets.readable' }, warning);
  let parsed: ConnectionSpec | undefined;
  // Parsed (and warned about) once, however often a verb asks.
  const connection = () => {
    if (parsed) return parsed;
    const spec = parseConnectionSpec(env.CW_DB_URL);
    for (const warning of connectionWarnings(spec)) log.warn({ event: 'connection.weak' }, warning);
    for (const notice of connectionNotices(spec)) log.warn({ event: 'connection.notice' }, notice);
    return (parsed = spec);
  };
  return { log, loaded, connection, usingDatabase: (fn, opts = {}) => usingDatabase(connection(), fn, { log, paging: deps.seams?.paging, ...opts }) };
}
