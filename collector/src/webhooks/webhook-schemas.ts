/**
 * The webhook API's shapes (zod, also the OpenAPI document): an endpoint, its
 * conditions, and its deliveries. Conditions are a discriminated union on
 * `type`; windows and cooldowns use the duration grammar of time/duration.ts.
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, parseDurationSeconds } from '../time/index.js';

export const MAX_CONDITIONS = 10;
/** Shortest and longest window a threshold condition may look back over. */
const MIN_WINDOW_SECONDS = 60;
const MAX_WINDOW_SECONDS = 86_400;

const pipelineName = z.string().min(1).max(256);

const windowText = (what: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const seconds = parseDurationSeconds(text);
      if (seconds === undefined || seconds < MIN_WINDOW_SECONDS || seconds > MAX_WINDOW_SECONDS) {
        context.addIssue({ code: 'custom', message: `${what} must be a duration from 1m to 1d (${DURATION_EXAMPLES}), got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return text;
    })
    .describe(`${what}, e.g. "15m" (1m to 1d; default ${fallback})`);

const thresholdCommon = {
  pipeline: pipelineName.optional().describe('Only this pipeline; each pipeline of the app separately when omitted'),
  window: windowText('The window', '15m'),
  minExecutions: z.number().int().min(1).max(1_000_000).default(10).describe('Executions the window must hold before the condition can fire'),
  cooldown: windowText('The cooldown', '1h').describe('After firing, the same alert fires again at the earliest this long later (default 1h)'),
};

export const executionFailedCondition = z
  .object({
    type: z.literal('execution_failed'),
    pipeline: pipelineName.optional().describe('Only executions of this pipeline'),
    step: z.string().min(1).max(256).optional().describe('Only executions in which a step of this name failed'),
  })
  .strict()
  .describe('An execution failed');

export const failureRateCondition = z
  .object({
    type: z.literal('failure_rate'),
    ...thresholdCommon,
    threshold: z.number().gt(0).max(1).describe('Share of failed executions (0-1] at or above which the alert fires'),
  })
  .strict()
  .describe("A pipeline's failure rate over the window reached the threshold; resolves when it falls below");

export const p95DurationCondition = z
  .object({
    type: z.literal('p95_duration'),
    ...thresholdCommon,
    thresholdMillis: z.number().positive().max(86_400_000).describe('p95 duration (ms) at or above which the alert fires'),
  })
  .strict()
  .describe("A pipeline's p95 execution duration over the window reached the threshold; resolves when it falls below");

export const condition = z.discriminatedUnion('type', [executionFailedCondition, failureRateCondition, p95DurationCondition]);
export type Condition = z.output<typeof condition>;
export type ThresholdCondition = Extract<Condition, { type: 'failure_rate' | 'p95_duration' }>;

const conditions = z.array(condition).min(1, 'expected at least one condition').max(MAX_CONDITIONS, `at most ${MAX_CONDITIONS} conditions`);

const urlText = z.string().min(1).max(2048).describe('Where events are POSTed: http(s) only, no credentials; private addresses only when allowed (XRAY_WEBHOOK_ALLOW_PRIVATE)');
const description = z.string().max(1024);

export const newWebhookBody = z
  .object({
    url: urlText,
    description: description.optional(),
    enabled: z.boolean().default(true),
    conditions,
  })
  .strict();

export const webhookPatchBody = z
  .object({ url: urlText.optional(), description: description.optional(), enabled: z.boolean().optional(), conditions: conditions.optional() })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'expected at least one of url, description, enabled, conditions');

export const webhookParams = z.object({ webhookId: z.string().min(1).max(64) }).strict();

const conditionOut = z.record(z.string(), z.unknown()).meta({ type: 'object' });

export const webhookSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  conditions: z.array(conditionOut),
  secretPrefix: z.string().describe('The first characters of the signing secret, to tell secrets apart'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const webhookResponse = z.object({ webhook: webhookSchema });
export const newWebhookResponse = z.object({
  webhook: webhookSchema,
  secret: z.string().describe('The signing secret (whsec_…), shown only in this reply'),
});
export const webhookListResponse = z.object({ webhooks: z.array(webhookSchema) });

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

export const deliveriesQuery = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const deliverySchema = z.object({
  eventId: z.string(),
  type: z.string(),
  pipeline: z.string(),
  executionIds: z.array(z.string()),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  lastStatusCode: z.number().nullable().describe('HTTP status of the last attempt; null when it got no answer'),
  lastError: z.string(),
  nextAttemptAt: z.string().nullable().describe('When the next attempt is due; null once delivered or given up'),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});
export const deliveryListResponse = z.object({ deliveries: z.array(deliverySchema) });
export const testDeliveryResponse = z.object({ delivery: deliverySchema });
