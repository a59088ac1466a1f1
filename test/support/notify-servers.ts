// Real receivers for notifications, on loopback only: an SMTP server (the smtp-server package)
// and an HTTP server for webhooks and heartbeats. Tests read back exactly what arrived.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export const SMTP_USER = 'alerts';
export const SMTP_PASSWORD = 'smtp-Secret-4711';

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes decoded. */
  text: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  body: string;
  json: unknown;
}

export interface NotifyServers {
  smtpPort: number;
  mails: ReceivedMail[];
  /** Base URL of the HTTP receiver: /hang/... never answers, /status/500/... answers 500, anything else 200. */
  http: string;
  requests: ReceivedRequest[];
  /** A loopback port where nothing listens. */
  closedPort: number;
  /** What arrived, one word each, sorted: "mail", "POST json" (/hook/json/...), "GET beat", "GET beat/fail". */
  arrived(): string[];
  /** Every message any receiver got (the URLs' own paths aside), to look for secrets in. */
  everything(): string;
  /** A webhook target whose URL carries a secret-looking token, as real ones do. */
  webhook(kind: string, format: string, events: string[]): Record<string, unknown>;
  /** The JSON bodies POSTed to /hook/<kind>/. */
  bodies(kind: string): Array<Record<string, any>>;
  reset(): void;
  close(): Promise<void>;
}

/** One set of servers for a test file, emptied before each test. */
export function useNotifyServers(): NotifyServers {
  const servers = {} as NotifyServers;
  beforeAll(async () => void Object.assign(servers, await startNotifyServers()));
  afterAll(() => servers.close());
  beforeEach(() => servers.reset());
  return servers;
}

export async function startNotifyServers(): Promise<NotifyServers> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    // Plain SMTP with AUTH on loopback (the target's "tls": "none"); STARTTLS is not offered.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
          text: decodeQuotedPrintable(raw),
        });
        callback();
      });
    },
  });
  const smtpPort = await listen(smtp.server);

  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', body, json });
      if (req.url?.startsWith('/hang/')) return void hanging.push(res);
      const status = /^\/status\/(\d{3})\//.exec(req.url ?? '');
      res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  const httpPort = await listen(http);

  const spare = createServer();
  const closedPort = await listen(spare);
  await new Promise((resolve) => spare.close(resolve));

  const base = `http://127.0.0.1:${httpPort}`;
  const bodies = (kind: string) => requests.filter((r) => r.path.startsWith(`/hook/${kind}/`)).map((r) => r.json as Record<string, any>);
  return {
    smtpPort,
    mails,
    http: base,
    requests,
    closedPort,
    arrived() {
      const words = requests.map((r) => `${r.method} ${r.path.split('/')[r.path.startsWith('/hook/') ? 2 : 1]}${r.path.endsWith('/fail') ? '/fail' : ''}`);
      return [...mails.map(() => 'mail'), ...words].sort();
    },
    everything: () => [...mails.map((m) => m.raw), ...requests.map((r) => r.body)].join('\n'),
    webhook: (kind, format, events) => ({ type: 'webhook', url: `${base}/hook/${kind}/secret-${kind}-token`, format, events }),
    bodies,
    reset() {
      mails.length = 0;
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      http.closeAllConnections();
      await Promise.all([new Promise((resolve) => http.close(resolve)), new Promise<void>((resolve) => smtp.close(() => resolve()))]);
    },
  };
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): AddressInfo | string | null }): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** An e-mail target for these servers (plain SMTP on loopback, with a password from the environment). */
export function emailTarget(servers: NotifyServers, extra: Record<string, unknown> = {}) {
  return { type: 'email', host: '127.0.0.1', port: servers.smtpPort, tls: 'none', user: SMTP_USER, passwordEnv: 'CW_TEST_SMTP_PASSWORD', from: 'cw-maint@example.test', to: ['dba@example.test'], ...extra };
}

export const SMTP_ENV = { CW_TEST_SMTP_PASSWORD: SMTP_PASSWORD };

/** Waits until `check` holds (deliveries are awaited by the runner, so this is normally at once). */
export async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
