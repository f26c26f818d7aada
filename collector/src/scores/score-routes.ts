/**
 * Score routes under /api/v1: attach a judgement to an execution or one of
 * its steps (POST, needs the key's `ingest` scope: it writes), list an
 * execution's scores and aggregate a score over time per pipeline (GET, need
 * `read`). Every route is scoped to the app of the caller's key: an execution
 * of another app is "not found", for scoring as for reading.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { v7 as timeOrderedUuid } from 'uuid';
import { autoIntervalSeconds } from '../api/presenters.js';
import { STATS_WINDOW_MILLIS, errorResponse, failureRateQuery, resolveRange } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import { toScore, toScoreSeries } from './score-presenters.js';
import {
  executionScoresParams,
  newScoreBody,
  newScoreResponse,
  scoreListResponse,
  scoreName,
  scoreStatsResponse,
} from './score-schemas.js';
import { toStoredValue } from './score-value.js';
import type { ScoresRepository } from './scores-repository.js';

export interface ScoreRoutesOptions {
  scores: ScoresRepository;
}

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse };
const iso = (millis: number) => new Date(millis).toISOString();
const notFound = (executionId: string) => new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);

export const scoreRoutes: FastifyPluginAsync<ScoreRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = options.scores;

  app.post(
    '/executions/:executionId/scores',
    {
      config: { scope: 'ingest' },
      schema: {
        tags: ['scores'],
        summary: 'Score an execution or one of its steps (needs the "ingest" scope)',
        description:
          'A score is a named judgement: a number, true/false or a label, with an optional comment, author and time. ' +
          'Scoring the same name again adds a new score; filters and aggregates use the latest one per execution.',
        params: executionScoresParams,
        body: newScoreBody,
        response: { 201: newScoreResponse, 404: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { executionId } = request.params;
      const body = request.body;
      const execution = await repo.findExecution(request.appId, executionId);
      if (!execution) throw notFound(executionId);
      if (body.stepSpanId !== undefined && !(await repo.hasStep(request.appId, executionId, body.stepSpanId))) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `Execution ${JSON.stringify(executionId)} has no step with span id ${body.stepSpanId}`);
      }
      const stored = toStoredValue(body.value);
      const score = {
        ...stored,
        appId: request.appId,
        executionId,
        // Time-ordered (UUID version 7, monotonic within the process): of two scores with the same time, the one sent last is the latest.
        scoreId: timeOrderedUuid(),
        spanId: body.stepSpanId ?? '',
        name: body.name,
        comment: body.comment ?? '',
        author: body.author ?? `key:${request.caller?.keyPrefix ?? ''}`,
        scoredAtMillis: body.time ?? Date.now(),
        execution,
      };
      await repo.insert(score);
      return reply.code(201).send({
        score: toScore({
          ...stored,
          score_id: score.scoreId,
          execution_id: executionId,
          span_id: score.spanId,
          name: score.name,
          comment: score.comment,
          author: score.author,
          pipeline: execution.pipeline,
          scored_at: String(score.scoredAtMillis),
        }),
      });
    },
  );

  app.get(
    '/executions/:executionId/scores',
    {
      schema: {
        tags: ['scores'],
        summary: "An execution's scores, oldest first",
        params: executionScoresParams,
        response: { 200: scoreListResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { executionId } = request.params;
      const rows = await repo.list(request.appId, executionId);
      if (rows.length === 0 && !(await repo.findExecution(request.appId, executionId))) throw notFound(executionId);
      return { scores: rows.map(toScore) };
    },
  );

  app.get(
    '/stats/scores',
    {
      schema: {
        tags: ['stats', 'scores'],
        summary: 'A score over time per pipeline: executions scored, average (share of true), counts per label',
        description: "Buckets follow each execution's start time; an execution counts once, with its latest score of that name.",
        querystring: failureRateQuery.extend({ name: scoreName.describe('The score to aggregate') }),
        response: { 200: scoreStatsResponse, ...errors },
      },
    },
    async (request) => {
      const { name, pipeline, environment, interval, ...window } = request.query;
      const range = resolveRange(window, STATS_WINDOW_MILLIS);
      const intervalSeconds = interval ?? autoIntervalSeconds(range.fromMillis, range.toMillis);
      const buckets = await repo.buckets(request.appId, { name, pipeline, environment, ...range }, intervalSeconds);
      return { name, intervalSeconds, from: iso(range.fromMillis), to: iso(range.toMillis), series: toScoreSeries(buckets) };
    },
  );
};
