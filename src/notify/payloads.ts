import type { WebhookTarget } from '../config/notify-section.js';
import { forPeople, plainText, type NotifyMessage } from './run-message.js';

/** The body a webhook target receives, in its format. */
export function webhookBody(format: WebhookTarget['format'], message: NotifyMessage): unknown {
  switch (format) {
    case 'slack':
      return slackBody(forPeople(message));
    case 'teams':
      return teamsBody(forPeople(message));
    case 'json':
      return message.data;
  }
}

/**
 * Slack incoming webhook: `text` is the notification's fallback, the blocks show the facts. Both
 * `text` and the mrkdwn fields are markup (`<!channel>` pings everyone, `<url|text>` is a link), so
 * every value is escaped; the header is plain_text.
 */
function slackBody(message: NotifyMessage) {
  return {
    text: escapeSlack(plainText(message)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
      { type: 'section', fields: message.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.name}*\n${escapeSlack(f.value)}` })) },
      ...(message.facts.length > 10
        ? [{ type: 'section', text: { type: 'mrkdwn', text: message.facts.slice(10).map((f) => `*${f.name}:* ${escapeSlack(f.value)}`).join('\n') } }]
        : []),
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as markup (Slack's own escaping: &amp; &lt; &gt;). */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Teams through a Workflows (Power Automate) webhook ("Post to a channel when a webhook request is
 * received"): a message whose attachment is an Adaptive Card. The retired Office 365 connectors'
 * MessageCard format is not used.
 */
function teamsBody(message: NotifyMessage) {
  const bad = message.outcome !== 'succeeded' && message.outcome !== 'test';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true, ...(bad ? { color: 'Attention' } : {}) },
            { type: 'FactSet', facts: message.facts.map((f) => ({ title: f.name, value: f.value })) },
          ],
        },
      },
    ],
  };
}
