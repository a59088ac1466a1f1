import type { Logger } from '../log.js';

/**
 * The one place cw-maint handles process signals (as graphile-worker does). SIGINT and SIGTERM
 * (systemd, docker, kill) and SIGBREAK (Ctrl-Break on Windows; WinSW and NSSM send Ctrl-C, which
 * Node delivers as SIGINT) all mean "stop gracefully". A second signal means "now": the handlers
 * are removed and the signal is raised again, so the process ends the way that signal ends it,
 * and the server rolls back whatever was open when the connection drops.
 */
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGBREAK'];

/**
 * `npm start` runs `sh -c "node ..."`: a SIGTERM to npm reaches the shell, not node, and npm
 * exits while node is re-parented and would run on. A parent that goes away is therefore a
 * shutdown signal too (checked every second; a process started by the service manager itself
 * keeps its parent, so nothing changes there).
 */
const PARENT_CHECK_MS = 1_000;

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
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) onSignal('SIGHUP');
  }, PARENT_CHECK_MS).unref();
  const dispose = () => {
    clearInterval(watch);
    for (const signal of SHUTDOWN_SIGNALS) process.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals) {
    if (signal === 'SIGHUP') {
      clearInterval(watch);
      if (first) return;
      log.warn({ event: 'shutdown.parent_gone', parent }, 'the parent process (npm?) went away: stopping');
    }
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
