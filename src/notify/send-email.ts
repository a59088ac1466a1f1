import type { EmailTarget } from '../config/notify-section.js';
import { withTimeout } from './redact.js';
import { forPeople, plainText, type NotifyMessage } from './run-message.js';

const DEFAULT_PORT = { starttls: 587, implicit: 465, none: 25 } as const;

/** The password a target names, from the environment; absent: a clear error at send time. */
export function passwordOf(target: EmailTarget, env: NodeJS.ProcessEnv): string | undefined {
  if (!target.passwordEnv) return undefined;
  const value = env[target.passwordEnv];
  if (!value) throw new Error(`environment variable ${target.passwordEnv} (its password) is not set`);
  return value;
}

/**
 * One e-mail through the target's SMTP server. nodemailer is imported here, when a message is
 * actually sent, so that starting cw-maint never pays for it.
 */
export async function sendEmail(target: EmailTarget, message: NotifyMessage, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  const password = passwordOf(target, env);
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port ?? DEFAULT_PORT[target.tls],
    secure: target.tls === 'implicit',
    requireTLS: target.tls === 'starttls',
    ignoreTLS: target.tls === 'none',
    ...(target.user ? { auth: { user: target.user, pass: password } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await withTimeout(
      transport.sendMail({ from: target.from, to: target.to, subject: forPeople(message).title, text: plainText(forPeople(message)) }),
      timeoutMs,
      () => transport.close(),
    );
  } finally {
    transport.close();
  }
}
