import { writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { printableDeep } from './printable.js';

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
    ? prettyLines(stream)
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

/**
 * Pretty lines for a person at a terminal. Every string in the line is made printable first (a
 * contact's name or a ticket holding an escape sequence must not forge a line or recolour the
 * terminal); pino-pretty's own colours come after. Written synchronously, so none is lost on exit.
 */
function prettyLines(stream: { write(text: string): unknown }) {
  const format = prettyFactory({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' });
  const out = stream === process.stderr ? (text: string) => writeSync(2, text) : (text: string) => void stream.write(text);
  return { write: (line: string) => void out(format(printableDeep(JSON.parse(line)))) };
}
