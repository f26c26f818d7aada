/**
 * GET /api/v1/stats/cost: gen_ai tokens and cost over time, one series per
 * pipeline, model or provider. Scoped to the app of the caller's key (the
 * `read` scope, like every statistic).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { MAX_BUCKETS_PER_SERIES, cappedIntervalSeconds } from '../api/presenters.js';
import { STATS_WINDOW_MILLIS, errorResponse, resolveRange } from '../api/schemas.js';
import { toCostSeries } from './cost-presenters.js';
import type { CostRepository } from './cost-repository.js';
import { costQuery, costResponse } from './cost-schemas.js';

export interface CostRoutesOptions {
  cost: CostRepository;
}

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse };
const iso = (millis: number) => new Date(millis).toISOString();

export const costRoutes: FastifyPluginAsync<CostRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/stats/cost',
    {
      schema: {
        tags: ['stats', 'cost'],
        summary: `Tokens and cost of the steps with gen_ai usage per time bucket, one series per pipeline, model or provider; at most ${MAX_BUCKETS_PER_SERIES} buckets per series, the interval used is in the reply`,
        description:
          'Summed from the stored steps (gen_ai.usage.input_tokens / output_tokens, xray.step.cost_usd). ' +
          'A cost the sender did not report is estimated at ingest from the price table (XRAY_PRICE_TABLE) when it prices the model; ' +
          'estimatedCostUsd is that part of costUsd. Windows reach back as far as the raw retention.',
        querystring: costQuery,
        response: { 200: costResponse, ...errors },
      },
    },
    async (request) => {
      const { groupBy, interval, pipeline, environment, model, provider, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const intervalSeconds = cappedIntervalSeconds(interval, range.fromMillis, range.toMillis);
      const points = await options.cost.usage(request.appId, { ...range, pipeline, environment, model, provider }, groupBy, intervalSeconds);
      // A bucket starting before the window (wider than it, or not aligned) is labelled with the window's start.
      const { totals, series } = toCostSeries(points, (bucketMillis) => iso(Math.max(bucketMillis, range.fromMillis)));
      return { intervalSeconds, from: iso(range.fromMillis), to: iso(range.toMillis), groupBy, totals, series };
    },
  );
};
