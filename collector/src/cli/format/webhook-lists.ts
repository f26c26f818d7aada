/** `xray webhooks list` and `xray webhooks deliveries` as tables. */
import type { Webhook, WebhookDelivery } from '../api-types.js';
import type { Colors } from './colors.js';
import { renderTable } from './table.js';
import { UTC, formatTimestamp } from './time-zone.js';

export interface WebhookListOptions {
  colors: Colors;
  maxWidth?: number;
  timeZone?: string;
}

/** One condition as a short phrase: `failed pipeline=loan step=check_rules`, `failure_rate>=0.2/15m`. */
export function describeCondition(condition: Record<string, unknown>): string {
  const scope = [condition.pipeline ? `pipeline=${String(condition.pipeline)}` : '', condition.step ? `step=${String(condition.step)}` : ''].filter(Boolean);
  if (condition.type === 'execution_failed') return ['failed', ...scope].join(' ');
  const threshold = condition.type === 'failure_rate' ? String(condition.threshold) : `${String(condition.thresholdMillis)}ms`;
  const name = condition.type === 'failure_rate' ? 'failure_rate' : 'p95';
  return [`${name}>=${threshold}/${String(condition.window)}`, ...scope].join(' ');
}

export function renderWebhookList(webhooks: Webhook[], options: WebhookListOptions): string {
  if (webhooks.length === 0) return options.colors.dim('No webhooks: `xray webhooks create <url> --on failed` registers one.');
  return renderTable(
    [
      { header: 'WEBHOOK', value: (w: Webhook) => w.webhookId },
      { header: 'URL', value: (w: Webhook) => w.url, shrink: true },
      { header: 'ON', value: (w: Webhook) => w.conditions.map(describeCondition).join('; '), shrink: true },
      {
        header: 'STATUS',
        value: (w: Webhook) => (w.enabled ? 'enabled' : 'disabled'),
        style: (text, w) => (w.enabled ? options.colors.green(text) : options.colors.dim(text)),
      },
      { header: 'SECRET', value: (w: Webhook) => `${w.secretPrefix}…` },
      { header: 'DESCRIPTION', value: (w: Webhook) => w.description || '-', shrink: true },
    ],
    webhooks,
    options,
  );
}

export function renderDeliveryList(deliveries: WebhookDelivery[], options: WebhookListOptions): string {
  const { colors } = options;
  if (deliveries.length === 0) return colors.dim('No deliveries yet.');
  const when = (iso: string | null) => (iso ? formatTimestamp(iso, { zone: options.timeZone }) : '-');
  return renderTable(
    [
      { header: `CREATED (${options.timeZone ?? UTC})`, value: (d: WebhookDelivery) => when(d.createdAt) },
      { header: 'EVENT', value: (d: WebhookDelivery) => d.eventId },
      { header: 'TYPE', value: (d: WebhookDelivery) => d.type },
      { header: 'PIPELINE', value: (d: WebhookDelivery) => d.pipeline || '-', shrink: true },
      {
        header: 'STATUS',
        value: (d: WebhookDelivery) => d.status,
        style: (text, d) => (d.status === 'delivered' ? colors.green(text) : d.status === 'failed' ? colors.red(text) : colors.yellow(text)),
      },
      { header: 'ATTEMPTS', value: (d: WebhookDelivery) => String(d.attempts), align: 'right' },
      { header: 'HTTP', value: (d: WebhookDelivery) => (d.lastStatusCode === null ? '-' : String(d.lastStatusCode)), align: 'right' },
      { header: 'NEXT ATTEMPT', value: (d: WebhookDelivery) => when(d.nextAttemptAt) },
      { header: 'LAST ERROR', value: (d: WebhookDelivery) => d.lastError || '-', shrink: true },
    ],
    deliveries,
    options,
  );
}
