import type { WebhookTarget } from '../config/notify-section.js';
import { plainText, type NotifyMessage } from './run-message.js';

/** The body a webhook target receives, in its format. */
export function webhookBody(format: WebhookTarget['format'], message: NotifyMessage): unknown {
  switch (format) {
    case 'slack':
      return slackBody(message);
    case 'teams':
      return teamsBody(message);
    case 'json':
      return message.data;
  }
}

/** Slack incoming webhook: `text` is the notification's fallback, the blocks show the facts. */
function slackBody(message: NotifyMessage) {
  return {
    text: plainText(message),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
      { type: 'section', fields: message.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.name}*\n${escapeSlack(f.value)}` })) },
      ...(message.facts.length > 10
        ? [{ type: 'section', text: { type: 'mrkdwn', text: message.facts.slice(10).map((f) => `*${f.name}:* ${escapeSlack(f.value)}`).join('\n') } }]
        : []),
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as markup. */
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
