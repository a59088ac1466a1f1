/**
 * One engine's connection strings: how they are recognised and parsed, and what may be said of a
 * parsed one (logs, messages, notifications) without its password. src/config/connection-spec.ts
 * asks each engine's form; no other code branches on the engine of a connection string.
 */
export interface ConnectionForm<S> {
  /** The spec, or undefined when `value` is not this engine's; throws a UsageError for a bad one of its own. */
  parse(value: string, envName: string): S | undefined;
  /** Safe to log: engine, user, host, port, database. Never the password. */
  describe(spec: S): string;
  /** Server (engine, host, instance, port) and database: enough to tell production from a restored copy, no credentials. */
  server(spec: S): { server: string; database: string };
  /** The database password, so that it can be taken out of any text sent elsewhere. */
  password(spec: S): string | undefined;
  /** What is weaker than the default in how cw-maint connects: logged as warnings, never silent. */
  warnings(spec: S): string[];
  /** Where cw-maint does something other than the connection string may seem to ask: logged, never silent. */
  notices(spec: S): string[];
}
