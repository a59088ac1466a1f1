import type { NotifySection } from '../config/notify-section.js';
import type { ConnectionSpec } from '../config/connection-spec.js';
import { deliver, secretsOf, type Delivery } from './deliver.js';
import { redactUrl } from './redact.js';
import { testMessage } from './run-message.js';
import { whereOf } from './notifier.js';

export interface TestOutcome {
  deliveries: Delivery[];
  /** Heartbeats are named but not pinged: a test ping would count as a successful run. */
  heartbeats: string[];
}

/** `notify --test`: one test message to every target, each with its own result. No database is needed. */
export async function sendTestMessages(section: NotifySection, jobBeats: readonly string[], spec: ConnectionSpec | undefined, env: NodeJS.ProcessEnv): Promise<TestOutcome> {
  const secrets = secretsOf(section.targets, env, [section.heartbeatUrl, ...jobBeats]);
  const deliveries = await deliver(section.targets, testMessage(whereOf(spec), new Date()), env, section.timeoutSeconds * 1000, secrets);
  const heartbeats = [...new Set([section.heartbeatUrl, ...jobBeats].filter((u): u is string => Boolean(u)))].map(redactUrl);
  return { deliveries, heartbeats };
}
