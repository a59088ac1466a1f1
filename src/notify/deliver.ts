import type { NotifyTarget } from '../config/notify-section.js';
import { webhookBody } from './payloads.js';
import { redactUrl, scrub, withTimeout } from './redact.js';
import type { NotifyMessage } from './run-message.js';
import { passwordOf, sendEmail } from './send-email.js';
import { pingHeartbeat, postJson } from './send-http.js';

/** One send's result, safe to log, print and store: the target by name or origin, never a secret. */
export interface Delivery {
  target: string;
  ok: boolean;
  error?: string;
  ms: number;
}

/** How a target is named in logs, in `notify --test` and on the run. */
export function targetLabel(target: NotifyTarget): string {
  if (target.name) return target.name;
  return target.type === 'email' ? `email ${target.host}` : `${target.format} webhook ${redactUrl(target.url)}`;
}

/** Every value that must never appear in a message or a log: passwords and the URLs themselves. */
export function secretsOf(targets: readonly NotifyTarget[], env: NodeJS.ProcessEnv, extra: readonly (string | undefined)[] = []): string[] {
  const secrets = targets.flatMap((t) => {
    if (t.type === 'webhook') return [t.url];
    try {
      return [passwordOf(t, env)];
    } catch {
      return [];
    }
  });
  return [...secrets, ...extra].filter((s): s is string => Boolean(s));
}

/** Sends to every target at once; each is bounded by the timeout, and none can throw. */
export function deliver(targets: readonly NotifyTarget[], message: NotifyMessage, env: NodeJS.ProcessEnv, timeoutMs: number, secrets: readonly string[]): Promise<Delivery[]> {
  return Promise.all(
    targets.map((target) =>
      attempt(targetLabel(target), secrets, timeoutMs, () =>
        target.type === 'email' ? sendEmail(target, message, env, timeoutMs) : postJson(target.url, webhookBody(target.format, message), timeoutMs),
      ),
    ),
  );
}

/** The heartbeat ping, as a delivery. */
export function heartbeat(url: string, failed: boolean, timeoutMs: number, secrets: readonly string[]): Promise<Delivery> {
  return attempt(`heartbeat ${redactUrl(url)}${failed ? ' (fail)' : ''}`, [...secrets, url], timeoutMs, () => pingHeartbeat(url, failed, timeoutMs));
}

async function attempt(target: string, secrets: readonly string[], timeoutMs: number, send: () => Promise<void>): Promise<Delivery> {
  const started = Date.now();
  try {
    // Belt and braces: each sender has its own timeout; this one holds whatever it does.
    await withTimeout(send(), timeoutMs + 1_000);
    return { target, ok: true, ms: Date.now() - started };
  } catch (error) {
    return { target, ok: false, error: scrub(String((error as Error)?.message ?? error), secrets), ms: Date.now() - started };
  }
}
