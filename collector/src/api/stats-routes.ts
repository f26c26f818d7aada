/**
 * Statistics under /api/v1 for dashboards: failure rate per pipeline per
 * bucket, duration percentiles per bucket, the summary, the steps that fail
 * most, and the pipelines and environments seen. Every route is scoped to
 * the app of the caller's key.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { StatsRepository } from '../store/index.js';
import { MAX_BUCKETS_PER_SERIES, cappedIntervalSeconds, toFailureRateSeries } from './presenters.js';
import {
  CATALOG_WINDOW_MILLIS,
  STATS_WINDOW_MILLIS,
  durationsResponse,
  errorResponse,
  failureRateQuery,
  failureRateResponse,
  pipelinesQuery,
  pipelinesResponse,
  resolveRange,
  summaryQuery,
  stepDurationsResponse,
  summaryResponse,
  topFailingStepsQuery,
  topFailingStepsResponse,
} from './schemas.js';

export interface StatsRoutesOptions {
  stats: StatsRepository;
}

const errors = { 400: errorResponse, 401: errorResponse };
const iso = (millis: number) => new Date(millis).toISOString();
/**
 * A bucket wider than the window, or not aligned to it (`interval=90d` starts
 * at a multiple of 90 days since 1970), begins before `from`: label it with
 * `from` so no point lies outside the window asked for.
 */
const clampToWindow = (bucketMillis: number, fromMillis: number) => Math.max(bucketMillis, fromMillis);

export const statsRoutes: FastifyPluginAsync<StatsRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = options.stats;

  app.get(
    '/stats/failure-rate',
    {
      schema: {
        tags: ['stats'],
        summary: `Failure rate per pipeline per time bucket (whole hours from the hourly counts, the rest from raw executions); at most ${MAX_BUCKETS_PER_SERIES} buckets per series, the interval used is in the reply`,
        querystring: failureRateQuery,
        response: { 200: failureRateResponse, ...errors },
      },
    },
    async (request) => {
      const { pipeline, environment, interval, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const intervalSeconds = cappedIntervalSeconds(interval, range.fromMillis, range.toMillis);
      const points = await repo.failureRate(request.appId, { ...range, pipeline, environment }, intervalSeconds);
      return { intervalSeconds, from: iso(range.fromMillis), to: iso(range.toMillis), series: toFailureRateSeries(points, range.fromMillis) };
    },
  );

  app.get(
    '/stats/durations',
    {
      schema: {
        tags: ['stats'],
        summary: `Executions, average, p50 and p95 duration per time bucket; at most ${MAX_BUCKETS_PER_SERIES} buckets, the interval used is in the reply`,
        querystring: failureRateQuery,
        response: { 200: durationsResponse, ...errors },
      },
    },
    async (request) => {
      const { pipeline, environment, interval, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const intervalSeconds = cappedIntervalSeconds(interval, range.fromMillis, range.toMillis);
      const points = await repo.durations(request.appId, { ...range, pipeline, environment }, intervalSeconds);
      return {
        intervalSeconds,
        from: iso(range.fromMillis),
        to: iso(range.toMillis),
        points: points.map(({ bucketMillis, ...values }) => ({ time: iso(clampToWindow(bucketMillis, range.fromMillis)), ...values })),
      };
    },
  );

  app.get(
    '/stats/summary',
    {
      schema: {
        tags: ['stats'],
        summary: 'Execution count, failure rate, average, p50 and p95 duration',
        querystring: summaryQuery,
        response: { 200: summaryResponse, ...errors },
      },
    },
    async (request) => {
      const { pipeline, environment, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const summary = await repo.summary(request.appId, { ...range, pipeline, environment });
      return {
        from: iso(range.fromMillis),
        to: iso(range.toMillis),
        ...summary,
        failureRate: summary.executions === 0 ? 0 : summary.failed / summary.executions,
      };
    },
  );

  app.get(
    '/stats/step-durations',
    {
      schema: {
        tags: ['stats'],
        summary: 'Step count, failures, average, p50 and p95 duration per step name (exact, from the stored steps)',
        querystring: summaryQuery,
        response: { 200: stepDurationsResponse, ...errors },
      },
    },
    async (request) => {
      const { pipeline, environment, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const steps = await repo.stepDurations(request.appId, { ...range, pipeline, environment });
      return { from: iso(range.fromMillis), to: iso(range.toMillis), steps };
    },
  );

  app.get(
    '/stats/top-failing-steps',
    {
      schema: {
        tags: ['stats'],
        summary: 'The steps that failed most in the window (from the hourly step rollup)',
        querystring: topFailingStepsQuery,
        response: { 200: topFailingStepsResponse, ...errors },
      },
    },
    async (request) => {
      const { pipeline, environment, limit, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const steps = await repo.topFailingSteps(request.appId, { ...range, pipeline, environment }, limit);
      return {
        from: iso(range.fromMillis),
        to: iso(range.toMillis),
        steps: steps.map((step) => ({ ...step, failureRate: step.total === 0 ? 0 : step.failed / step.total })),
      };
    },
  );

  app.get(
    '/pipelines',
    {
      schema: {
        tags: ['stats'],
        summary: 'Pipelines and environments that ran in the window',
        querystring: pipelinesQuery,
        response: { 200: pipelinesResponse, ...errors },
      },
    },
    async (request) => {
      const range = resolveRange(request.query, CATALOG_WINDOW_MILLIS);
      return repo.catalog(request.appId, range);
    },
  );
};
