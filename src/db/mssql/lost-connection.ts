import type * as TediousTypes from 'tedious';
import { ConnectionError } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import { serverAddress } from './encrypted-login.js';

/**
 * A connection lost after the login (the server restarted, a firewall cut an idle session, the
 * session was killed) ends in one line and exit 1, and the driver's own report of it goes to the
 * logger as one JSON line.
 *
 * Two things stand in the way, both handled here, at the connection the pool gets from the
 * connectionFactory (nothing in node_modules is patched):
 * - Kysely 0.28's MssqlDriver adds an 'error' listener to every connection that calls
 *   `console.error(error)`: multi-line stack traces on stderr, which the README promises is JSON
 *   lines. `emit('error')` below calls Kysely's listener as before (it marks the connection
 *   broken, so the pool drops it) while a `console.error` of that very error object is sent to the
 *   logger instead; any other console output passes through.
 * - tedious fails the request in flight with the bare socket error ("socket hang up"), which
 *   reached the CLI as "unexpected error: socket hang up". Once tedious has reported the socket
 *   lost (its socketError event), every request on the connection, the one in flight and any
 *   later rollback, fails with a ConnectionLostError instead. SQL Server's own errors (they carry
 *   a number) and timeouts are left as they are.
 */
export function reportsLostConnections<Base extends new (...args: any[]) => TediousTypes.Connection>(base: Base) {
  return class ReportsLostConnections extends base {
    #log: Logger | undefined;
    #address: string | undefined;
    /** Why tedious gave the connection up; undefined while it is alive. */
    #lost: string | undefined;
    #reported = false;

    /** Where the driver's connection errors go; without one, a JSON logger on stderr. */
    useLog(log: Logger | undefined): this {
      this.#log = log;
      return this;
    }

    override dispatchEvent(eventName: string, ...args: unknown[]): void {
      if (eventName === 'socketError' && this.#lost === undefined) this.#lost = reasonOf(args[0]);
      (super.dispatchEvent as (name: string, ...rest: unknown[]) => void)(eventName, ...args);
    }

    override makeRequest(...args: Parameters<TediousTypes.Connection['makeRequest']>): void {
      const [request] = args;
      const callback = request.callback as (error: Error | null | undefined, ...rest: unknown[]) => void;
      request.callback = ((error: Error | null | undefined, ...rest: unknown[]) => {
        const lost = error && this.#lost !== undefined && (error as { number?: number }).number === undefined;
        callback.call(request, lost ? new ConnectionLostError(this.#serverAddress(), this.#lost!, error) : error, ...rest);
      }) as typeof request.callback;
      super.makeRequest(...args);
    }

    override emit(event: string | symbol, ...args: any[]): boolean {
      if (event === 'connect' && !args[0]) this.#address = serverAddress(this);
      if (event !== 'error') return (super.emit as (e: string | symbol, ...rest: unknown[]) => boolean)(event, ...args);
      const error = args[0] as Error;
      this.#report(error);
      const consoleError = console.error;
      console.error = (...values: unknown[]) => {
        if (values.length !== 1 || values[0] !== error) consoleError.apply(console, values);
      };
      try {
        return (super.emit as (e: string, ...rest: unknown[]) => boolean)('error', ...args);
      } finally {
        console.error = consoleError;
      }
    }

    /** The first error of a connection is a warning; what tedious reports after it (the same loss, seen again) only debug. */
    #report(error: Error): void {
      const log = this.#log ?? (this.#log = createLogger());
      const fields = { event: 'db.connection_error', server: this.#serverAddress(), code: (error as { code?: string }).code, error: error.message };
      if (this.#reported) log.debug(fields, 'driver connection error');
      else log.warn(fields, 'the connection to the server was lost');
      this.#reported = true;
    }

    #serverAddress(): string {
      return this.#address ?? serverAddress(this);
    }
  };
}

/** The connection to the server was lost after the login: exit 1, one line. */
export class ConnectionLostError extends ConnectionError {
  constructor(
    server: string,
    /** What tedious said when the socket went ("socket hang up"). */
    readonly reason: string,
    cause: unknown,
  ) {
    super(`the connection to the server at ${server} was lost (${reason}); the server rolls back whatever was not committed`, [], { cause });
  }
}

function reasonOf(error: unknown): string {
  return String((error as Error)?.message ?? error ?? 'unknown reason');
}
