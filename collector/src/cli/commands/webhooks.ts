/** `xray webhooks list|create|enable|disable|delete|deliveries|test`: the app's alert webhooks (a key with the "webhooks" scope). */
import { expectPositionals, flagError, parseLimit, stringOption } from '../args.js';
import type { OptionValues } from '../args.js';
import type { Webhook, WebhookDelivery } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { describeCondition, renderDeliveryList, renderWebhookList } from '../format/webhook-lists.js';

const COMMAND = 'webhooks';
const ON = { failed: 'execution_failed', 'failure-rate': 'failure_rate', p95: 'p95_duration' } as const;

function numberFlag(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw flagError(name, 'a number', text, COMMAND);
  return value;
}

/** The condition the flags describe, or the JSON array given with --conditions. */
export function conditionsFrom(values: OptionValues): unknown[] {
  const json = stringOption(values, 'conditions');
  if (json !== undefined) {
    try {
      const parsed: unknown = JSON.parse(json);
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      throw flagError('conditions', 'a JSON array of conditions', json, COMMAND);
    }
  }
  const on = stringOption(values, 'on');
  if (on === undefined) throw new UsageError('create needs --on failed|failure-rate|p95 (or --conditions <json>)', COMMAND);
  if (!(on in ON)) throw flagError('on', 'failed, failure-rate or p95', on, COMMAND);
  const type = ON[on as keyof typeof ON];
  const condition: Record<string, unknown> = { type };
  const pipeline = stringOption(values, 'pipeline');
  if (pipeline !== undefined) condition.pipeline = pipeline;
  if (type === 'execution_failed') {
    const step = stringOption(values, 'step');
    if (step !== undefined) condition.step = step;
    return [condition];
  }
  const threshold = numberFlag(values, 'threshold');
  if (threshold === undefined) {
    throw new UsageError(`--on ${on} needs --threshold (${type === 'failure_rate' ? 'a share of failed executions, e.g. 0.2' : 'a p95 in milliseconds, e.g. 2000'})`, COMMAND);
  }
  condition[type === 'failure_rate' ? 'threshold' : 'thresholdMillis'] = threshold;
  for (const name of ['window', 'cooldown'] as const) {
    const value = stringOption(values, name);
    if (value !== undefined) condition[name] = value;
  }
  const min = numberFlag(values, 'min-executions');
  if (min !== undefined) condition.minExecutions = min;
  return [condition];
}

const path = (webhookId?: string, tail = '') => `/api/v1/webhooks${webhookId === undefined ? '' : `/${encodeURIComponent(webhookId)}`}${tail}`;

function renderCreated(context: CommandContext, webhook: Webhook, secret: string): string {
  const { colors } = context;
  return [
    `Created webhook ${webhook.webhookId} -> ${webhook.url}`,
    `  on: ${webhook.conditions.map(describeCondition).join('; ')}`,
    '',
    `  Signing secret: ${colors.bold(secret)}`,
    '',
    colors.yellow('  Save this secret now: it is shown only once. Verify each delivery with it:'),
    colors.dim('  x-xray-signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>'),
  ].join('\n');
}

export const webhooksCommand: Command = {
  name: COMMAND,
  synopsis: 'webhooks list|create|enable|disable|delete|deliveries|test',
  summary: 'Alert webhooks: register, list, test them and see their deliveries',
  help: `Usage: xray webhooks list
       xray webhooks create <url> --on failed [--pipeline <p>] [--step <name>]
       xray webhooks create <url> --on failure-rate --threshold <0-1> [--pipeline <p>] [--window 15m] [--min-executions 10] [--cooldown 1h]
       xray webhooks create <url> --on p95 --threshold <ms> [--pipeline <p>] [--window 15m] [--min-executions 10] [--cooldown 1h]
       xray webhooks create <url> --conditions '<JSON array>'
       xray webhooks enable|disable|delete|test <webhookId>
       xray webhooks deliveries <webhookId> [--status pending|delivered|failed] [--limit <n>]

The collector POSTs a signed JSON event to <url> when an execution fails
(optionally of one pipeline, or failing at a named step), or when a
pipeline's failure rate or p95 duration over a window reaches a threshold
(again when it falls back: "alert.resolved"). Failed deliveries are retried
with backoff. "create" prints the signing secret once.

These commands need a key with the "webhooks" scope
(xray keys create <appId> --scope webhooks), passed as --api-key or XRAY_API_KEY.

Options:
  --on <kind>               failed, failure-rate or p95
  --pipeline <name>         only this pipeline (threshold alerts: each pipeline apart when left out)
  --step <name>             failed: only when a step of this name failed
  --threshold <n>           failure-rate: share of failed executions (0.2); p95: milliseconds
  --window <duration>       the window measured (1m to 1d; default 15m)
  --min-executions <n>      executions the window needs before the alert can fire (default 10)
  --cooldown <duration>     least time between two firings of one alert (default 1h)
  --conditions <json>       the conditions as the API takes them, instead of the flags above
  --description <text>      what the webhook is for
  --status <status>         deliveries: only pending, delivered or failed ones

Examples:
  xray webhooks create https://hooks.example.com/xray --on failed --pipeline loan-approval
  xray webhooks create https://hooks.example.com/xray --on failure-rate --threshold 0.2 --window 15m
  xray webhooks create https://hooks.example.com/xray --on p95 --threshold 2000 --pipeline loan-approval
  xray webhooks list
  xray webhooks test wh_3kTm9aQ0xYbZ1c2D
  xray webhooks deliveries wh_3kTm9aQ0xYbZ1c2D --status failed`,
  options: {
    on: { type: 'string' },
    pipeline: { type: 'string' },
    step: { type: 'string' },
    threshold: { type: 'string' },
    window: { type: 'string' },
    'min-executions': { type: 'string' },
    cooldown: { type: 'string' },
    conditions: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const [action = 'list', ...rest] = positionals;
    const options = { colors: context.colors, maxWidth: context.terminalWidth, timeZone: context.timeZone };
    switch (action) {
      case 'list': {
        expectPositionals(rest, [], COMMAND);
        const { webhooks } = await context.client.get<{ webhooks: Webhook[] }>(path(), { auth: 'app' });
        context.out(context.json ? toJson({ webhooks }) : renderWebhookList(webhooks, options));
        return;
      }
      case 'create': {
        const [url] = expectPositionals(rest, ['url'], COMMAND);
        const description = stringOption(values, 'description');
        const created = await context.client.post<{ webhook: Webhook; secret: string }>(
          path(),
          { url, conditions: conditionsFrom(values), ...(description === undefined ? {} : { description }) },
          { auth: 'app' },
        );
        context.out(context.json ? toJson(created) : renderCreated(context, created.webhook, created.secret));
        return;
      }
      case 'enable':
      case 'disable': {
        const [webhookId] = expectPositionals(rest, ['webhookId'], COMMAND);
        const { webhook } = await context.client.patch<{ webhook: Webhook }>(path(webhookId), { enabled: action === 'enable' }, { auth: 'app' });
        context.out(context.json ? toJson({ webhook }) : `Webhook ${webhook.webhookId} is ${webhook.enabled ? 'enabled' : 'disabled'}.`);
        return;
      }
      case 'delete': {
        const [webhookId] = expectPositionals(rest, ['webhookId'], COMMAND);
        const reply = await context.client.delete<{ deleted: { webhookId: string } }>(path(webhookId), { auth: 'app' });
        context.out(context.json ? toJson(reply) : `Deleted webhook ${reply.deleted.webhookId}; its pending deliveries are given up.`);
        return;
      }
      case 'deliveries': {
        const [webhookId] = expectPositionals(rest, ['webhookId'], COMMAND);
        const { deliveries } = await context.client.get<{ deliveries: WebhookDelivery[] }>(path(webhookId, '/deliveries'), {
          auth: 'app',
          query: { status: stringOption(values, 'status'), limit: parseLimit(stringOption(values, 'limit'), COMMAND) },
        });
        context.out(context.json ? toJson({ deliveries }) : renderDeliveryList(deliveries, options));
        return;
      }
      case 'test': {
        const [webhookId] = expectPositionals(rest, ['webhookId'], COMMAND);
        const { delivery } = await context.client.post<{ delivery: WebhookDelivery }>(path(webhookId, '/test'), {}, { auth: 'app' });
        context.out(
          context.json
            ? toJson({ delivery })
            : `Queued test event ${delivery.eventId}; \`xray webhooks deliveries ${webhookId}\` shows how it went.`,
        );
        return;
      }
      default:
        throw new UsageError(`unknown action ${JSON.stringify(action)}: expected list, create, enable, disable, delete, deliveries or test`, COMMAND);
    }
  },
};
