import { z } from 'zod';

/** What a target can ask to be told about. "succeeded-with-changes": a success that changed rows (a dry run: would change). */
export const NOTIFY_EVENTS = ['failed', 'refused', 'interrupted', 'skipped', 'succeeded', 'succeeded-with-changes'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const DEFAULT_EVENTS: readonly NotifyEvent[] = ['failed', 'refused', 'interrupted'];

/**
 * A URL with `user:password@` can never be sent: fetch refuses to build a request from it. The
 * check says so now, rather than at 2 a.m. in a failed notification.
 */
const httpUrl = z
  .string()
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http:// or https:// URL')
  .refine(
    (text) => !URL.canParse(text) || (new URL(text).username === '' && new URL(text).password === ''),
    'must not hold a user name or password (user:password@host): cw-maint cannot send one in a URL. Use the URL the service gives, whose secret is in its path or query (Slack, Teams, healthchecks.io), without user:password@',
  );

const events = z.array(z.enum(NOTIFY_EVENTS, { error: `must be one of ${NOTIFY_EVENTS.join(', ')}` })).min(1).default([...DEFAULT_EVENTS]);

const emailTarget = z
  .object({
    type: z.literal('email'),
    /** Shown in logs and in `notify --test` (default: "email <host>"). */
    name: z.string().min(1).max(100).optional(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).optional(),
    /** starttls: upgrade required (default, port 587); implicit: TLS from the start (port 465); none: plain (a local relay only). */
    tls: z.enum(['starttls', 'implicit', 'none'], { error: 'must be "starttls", "implicit" or "none"' }).default('starttls'),
    user: z.string().min(1).optional(),
    /** The name of the environment variable that holds the password: never the password itself. */
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable').optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    events,
  })
  .strict()
  .refine((t) => (t.user === undefined) === (t.passwordEnv === undefined), { message: 'user and passwordEnv go together', path: ['passwordEnv'] });

const webhookTarget = z
  .object({
    type: z.literal('webhook'),
    name: z.string().min(1).max(100).optional(),
    /** A secret (whoever has it can post): logged as its origin only. */
    url: httpUrl,
    /** slack: an incoming webhook; teams: a Workflows (Power Automate) webhook, an Adaptive Card; json: the facts as they are. */
    format: z.enum(['slack', 'teams', 'json'], { error: 'must be "slack", "teams" or "json"' }).default('json'),
    events,
  })
  .strict();

export const notifyTarget = z.discriminatedUnion('type', [emailTarget, webhookTarget], { error: 'type must be "email" or "webhook"' });
export type NotifyTarget = z.infer<typeof notifyTarget>;
export type EmailTarget = Extract<NotifyTarget, { type: 'email' }>;
export type WebhookTarget = Extract<NotifyTarget, { type: 'webhook' }>;

/** The config file's `notify` section. */
export const notifySection = z
  .object({
    targets: z.array(notifyTarget).default([]),
    /** Pinged (GET) after every successful run of every job, `/fail` appended after a failure; a job's own heartbeatUrl wins. */
    heartbeatUrl: httpUrl.optional(),
    /** Every send (a message, a heartbeat) gives up after this long; the run's outcome never waits longer. */
    timeoutSeconds: z.number().positive().max(120).default(10),
  })
  .strict();
export type NotifySection = z.infer<typeof notifySection>;

/** A job entry's own heartbeat (beside its parameters, like its schedule). */
export const heartbeatUrlField = httpUrl.optional();
