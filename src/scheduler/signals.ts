import type { Logger } from '../log.js';

/**
 * The one place cw-maint handles process signals (as graphile-worker does). SIGINT and SIGTERM
 * (systemd, docker, kill) and SIGBREAK (Ctrl-Break on Windows; WinSW and NSSM send Ctrl-C, which
 * Node delivers as SIGINT) all mean "stop gracefully". A second signal means "now": the handlers
 * are removed and the signal is raised again, so the process ends the way that signal ends it,
 * and the server rolls back whatever was open when the connection drops.
 */
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGBREAK'];

export interface ShutdownSignals {
  /** Resolves with the first signal received. */
  received: Promise<NodeJS.Signals>;
  /** Removes the handlers (after a clean shutdown, so nothing lingers). */
  dispose(): void;
}

export function shutdownSignals(log: Logger): ShutdownSignals {
  let first: NodeJS.Signals | undefined;
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const dispose = () => {
    for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals) {
    if (first) {
      log.warn({ event: 'shutdown.forced', signal }, 'second signal: exiting now');
      dispose();
      process.kill(process.pid, signal);
      return;
    }
    first = signal;
    log.info({ event: 'shutdown.start', signal }, 'stopping: no new runs');
    resolve(signal);
  }
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  return { received, dispose };
}
