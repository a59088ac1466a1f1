import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * JSON lines on stderr (stdout is for reports and --json); pretty only when a person is
 * watching. Both destinations are synchronous: a short CLI run must not lose its last lines
 * on exit, which pino-pretty as a worker transport can do.
 */
export function createLogger(
  options: { verbose?: boolean; level?: string; env?: NodeJS.ProcessEnv; stream?: { write(text: string): unknown; isTTY?: boolean } } = {},
): Logger {
  const env = options.env ?? process.env;
  const level = options.level ?? env.LOG_LEVEL ?? (options.verbose ? 'debug' : 'info');
  const stream = options.stream ?? process.stderr;
  const destination = stream.isTTY
    ? pretty({ destination: stream === process.stderr ? 2 : (stream as never), sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' })
    : stream === process.stderr
      ? pino.destination({ fd: 2, sync: true })
      : { write: (line: string) => void stream.write(line) };
  return pino(
    {
      level,
      base: { app: 'cw-maint' },
      // Belt and braces: connection strings are never logged on purpose, but a driver error
      // object or a config dump might carry one.
      redact: {
        paths: [
          'password',
          '*.password',
          '*.*.password',
          'url',
          '*.url',
          'connectionString',
          '*.connectionString',
          'CW_DB_URL',
          '*.CW_DB_URL',
          'authentication',
          '*.authentication',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
