/**
 * The read API under /api/v1, every route scoped to the app of the caller's
 * key (`request.appId`, set by the auth hook before any handler runs).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { XRayError } from '../errors.js';
import type { ExecutionsRepository } from '../store/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { autoIntervalSeconds, inheritFromExecution, toExecutionDetail, toExecutionSummary, toStep } from './presenters.js';
import {
  LIST_WINDOW_MILLIS,
  STATS_WINDOW_MILLIS,
  errorResponse,
  executionListQuery,
  executionListResponse,
  executionParams,
  executionResponse,
  failureRateQuery,
  failureRateResponse,
  pipelinesQuery,
  pipelinesResponse,
  resolveRange,
  stepSearchQuery,
  stepSearchResponse,
  summaryQuery,
  summaryResponse,
} from './schemas.js';

export interface QueryRoutesOptions {
  executions: ExecutionsRepository;
}

const errors = { 400: errorResponse, 401: errorResponse };

export const queryRoutes: FastifyPluginAsync<QueryRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = options.executions;

  app.get(
    '/executions',
    {
      schema: {
        tags: ['executions'],
        summary: 'List and search executions, newest first',
        querystring: executionListQuery,
        response: { 200: executionListResponse, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const range = resolveRange(query, LIST_WINDOW_MILLIS);
      const records = await repo.list(
        request.appId,
        {
          ...range,
          pipeline: query.pipeline,
          status: query.status,
          environment: query.environment,
          stepName: query.step,
          reasoning: query.q,
        },
        query.limit + 1,
        decodeCursor(query.cursor),
      );
      const page = records.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        executions: page.map(toExecutionSummary),
        nextCursor: records.length > query.limit && last ? encodeCursor({ startNanos: last.start_ns, id: last.execution_id }) : null,
      };
    },
  );

  app.get(
    '/executions/:executionId',
    {
      schema: {
        tags: ['executions'],
        summary: 'One execution with its ordered steps',
        params: executionParams,
        response: { 200: executionResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { executionId } = request.params;
      const execution = await repo.get(request.appId, executionId, { storedCounts: false });
      const steps = await repo.steps(
        request.appId,
        executionId,
        execution ? { startNanos: execution.start_ns, endNanos: execution.end_ns } : undefined,
      );
      if (!execution && steps.length === 0) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);
      }
      if (execution) {
        // The steps just read are the stored truth for the counts.
        execution.step_count = steps.length;
        execution.error_count = steps.filter((step) => step.status === 'failed').length;
      }
      const detail = execution ? toExecutionDetail(execution) : null;
      return { execution: detail, steps: steps.map((record) => inheritFromExecution(toStep(record), detail)) };
    },
  );

  app.get(
    '/steps',
    {
      schema: {
        tags: ['steps'],
        summary: 'Search steps by name, status and words in their reasoning, newest first',
        querystring: stepSearchQuery,
        response: { 200: stepSearchResponse, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const range = resolveRange(query, LIST_WINDOW_MILLIS);
      const records = await repo.searchSteps(
        request.appId,
        { ...range, name: query.name, status: query.status, pipeline: query.pipeline, reasoning: query.q },
        query.limit + 1,
        decodeCursor(query.cursor),
      );
      const page = records.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        steps: page.map(toStep),
        nextCursor: records.length > query.limit && last ? encodeCursor({ startNanos: last.start_ns, id: last.span_id }) : null,
      };
    },
  );

  app.get(
    '/stats/failure-rate',
    {
      schema: {
        tags: ['stats'],
        summary: 'Failure rate per pipeline per time bucket (from the per-minute rollup)',
        querystring: failureRateQuery,
        response: { 200: failureRateResponse, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const range = resolveRange(query, STATS_WINDOW_MILLIS);
      const intervalSeconds = query.interval ?? autoIntervalSeconds(range.fromMillis, range.toMillis);
      const points = await repo.failureRate(
        request.appId,
        { ...range, pipeline: query.pipeline, environment: query.environment },
        intervalSeconds,
      );
      const series = new Map<string, { time: string; executions: number; failed: number; failureRate: number }[]>();
      for (const point of points) {
        const executions = Number(point.executions);
        const failed = Number(point.failed);
        const list = series.get(point.pipeline) ?? [];
        list.push({
          time: new Date(Number(point.bucket_ms)).toISOString(),
          executions,
          failed,
          failureRate: executions === 0 ? 0 : failed / executions,
        });
        series.set(point.pipeline, list);
      }
      return {
        intervalSeconds,
        from: new Date(range.fromMillis).toISOString(),
        to: new Date(range.toMillis).toISOString(),
        series: [...series].map(([pipeline, list]) => ({ pipeline, points: list })),
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
      const query = request.query;
      const range = resolveRange(query, STATS_WINDOW_MILLIS);
      const summary = await repo.summary(request.appId, { ...range, pipeline: query.pipeline, environment: query.environment });
      return {
        from: new Date(range.fromMillis).toISOString(),
        to: new Date(range.toMillis).toISOString(),
        ...summary,
        failureRate: summary.executions === 0 ? 0 : summary.failed / summary.executions,
      };
    },
  );

  app.get(
    '/pipelines',
    {
      schema: {
        tags: ['stats'],
        summary: 'Pipelines that ran in the window',
        querystring: pipelinesQuery,
        response: { 200: pipelinesResponse, ...errors },
      },
    },
    async (request) => {
      const range = resolveRange(request.query, 30 * 86_400_000);
      return { pipelines: await repo.pipelines(request.appId, range) };
    },
  );
};
