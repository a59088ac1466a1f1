import { redactUrl, withTimeout } from './redact.js';

/**
 * One HTTP request, given up on after `timeoutMs` (a target that hangs after its headers too).
 * Errors name the status or the network failure, never the URL: it is a secret. A redirect is
 * not followed (a POST's body must not go somewhere the config does not name, and a 301/302 turns
 * it into a GET): it is reported with its status and where it pointed (the origin only).
 */
async function request(url: string, init: RequestInit, timeoutMs: number): Promise<void> {
  const abort = new AbortController();
  const response = await withTimeout(fetch(url, { ...init, signal: abort.signal, redirect: 'manual' }).catch((error: unknown) => {
    throw new Error(networkReason(error));
  }), timeoutMs, () => abort.abort());
  // The body is not needed; dropping it frees the connection.
  await response.body?.cancel().catch(() => undefined);
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    const to = location && URL.canParse(location, url) ? ` to ${redactUrl(new URL(location, url).toString())}` : '';
    throw new Error(`HTTP ${response.status}: the target answered with a redirect${to}, which cw-maint does not follow; put the URL it redirects to in the config`);
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message.replace(/https?:\/\/\S+/g, '[url]')})` : ''}`;
  return String((error as Error)?.message ?? error).replace(/https?:\/\/\S+/g, '[url]');
}

/** A JSON POST (Slack, Teams Workflows, or any receiver); any 2xx is delivered. */
export function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'cw-maint' }, body: JSON.stringify(body) }, timeoutMs);
}

/** healthchecks.io-style: GET the URL after a success, the same URL with /fail appended after a failure. */
export function pingHeartbeat(url: string, failed: boolean, timeoutMs: number): Promise<void> {
  return request(failed ? failUrl(url) : url, { method: 'GET', headers: { 'user-agent': 'cw-maint' } }, timeoutMs);
}

/** `/fail` appended to the path, the query string kept (`https://hc-ping.com/<uuid>/fail`). */
export function failUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/fail`;
  return parsed.toString();
}
