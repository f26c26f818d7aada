/**
 * The zod schemas of GET /api/v1/stats/cost: they validate the query,
 * shape the reply and generate its part of the OpenAPI document.
 */
import { z } from 'zod';
import { STATS_WINDOW_MILLIS, intervalParam, nameParam, timeRange } from '../api/schemas.js';

export const COST_GROUPS = ['pipeline', 'model', 'provider'] as const;
export type CostGroup = (typeof COST_GROUPS)[number];

export const costQuery = z
  .object({
    groupBy: z
      .enum(COST_GROUPS, { message: `expected one of ${COST_GROUPS.join(', ')}` })
      .default('pipeline')
      .describe('One series per pipeline (default), model or provider'),
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    model: nameParam.optional(),
    provider: nameParam.optional(),
    ...timeRange(STATS_WINDOW_MILLIS),
    interval: intervalParam.optional().describe('Bucket width (default: chosen to give about 60 buckets)'),
  })
  .strict();

export const usageTotals = z.object({
  inputTokens: z.number().describe('gen_ai.usage.input_tokens, summed'),
  outputTokens: z.number().describe('gen_ai.usage.output_tokens, summed'),
  costUsd: z.number().describe('Cost in USD: reported by the sender, or estimated from the price table'),
  estimatedCostUsd: z.number().describe('The part of costUsd estimated from the price table (XRAY_PRICE_TABLE)'),
  steps: z.number().describe('Steps with usage (tokens or a cost)'),
});

export const costResponse = z.object({
  intervalSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(COST_GROUPS),
  totals: usageTotals.describe('The whole window, every series'),
  series: z.array(
    z.object({
      key: z.string().describe('The pipeline, model or provider ("" for steps without one)'),
      totals: usageTotals,
      points: z.array(usageTotals.extend({ time: z.string().describe('Start of the bucket, ISO 8601') })),
    }),
  ),
});
