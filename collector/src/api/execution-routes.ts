/**
 * Executions and steps under /api/v1: list and search, one execution with
 * its ordered steps, step search. Every route is scoped to the app of the
 * caller's key (`request.appId`, set by the auth hook before any handler runs).
 */
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { XRayError } from '../errors.js';
import type { ExecutionSummaryRecord, ExecutionsRepository, QueryParams } from '../store/index.js';
import { parseSearch } from '../store/step-search.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ExecutionCache } from './execution-cache.js';
import type { ListHead } from './list-head.js';
import type { SearchHit, StepSearchIndex } from './step-search-index.js';
import { snippetOf } from './search-snippet.js';
import { detailSerializer, toDetailReply } from './execution-detail.js';
import { toExecutionSummary, toStep } from './presenters.js';
import type { latestScore } from './schemas.js';
import {
  LIST_WINDOW_MILLIS,
  errorResponse,
  executionListQuery,
  executionSummary,
  executionListResponse,
  executionParams,
  executionResponse,
  noQuery,
  resolveRange,
  scoreFiltersOf,
  searchSnippet,
  step,
  stepSearchQuery,
  stepSearchResponse,
} from './schemas.js';

export interface ExecutionRoutesOptions {
  executions: ExecutionsRepository;
  /** Turns `score.<name>=<value>` filters into a subquery of execution ids (scores/); without it such filters are refused. */
  scoreFilter?: (appId: string, filters: { name: string; value: string }[]) => { sql: string; params: QueryParams };
  /** The execution's latest score of each name (scores/), listed with the execution; none without it. */
  latestScores?: (appId: string, executionId: string) => Promise<z.infer<typeof latestScore>[]>;
  /** Finished executions' detail replies (execution-cache.ts); every read goes to ClickHouse without it. */
  cache?: ExecutionCache;
  /** Recently listed apps' newest executions in memory (list-head.ts); every page comes from ClickHouse without it. */
  listHead?: ListHead;
  /** Settled days' words and replies (step-search-index.ts): a search with no other filter asks the engine only for the days they cannot answer. */
  searchIndex?: StepSearchIndex;
}

const errors = { 400: errorResponse, 401: errorResponse };

/** `Cache-Control: no-cache`: the caller wants the stored rows as they are now, past what memory or the reply store hold. */
function asksForStoredRows(headers: { 'cache-control'?: string }): boolean {
  return /\bno-cache\b/i.test(headers['cache-control'] ?? '');
}

export const executionRoutes: FastifyPluginAsync<ExecutionRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = options.executions;
  // The 200 reply's serializer, shared with the cache and the reply store's builder (execution-detail.ts).
  const serialize = detailSerializer();
  // An execution's summary in the list, as the response schema validates and encodes it: made once per record
  // (the list head's records live on and are listed again and again).
  const serializeSummary = serializerCompiler({ schema: executionSummary, method: 'GET', url: '/api/v1/executions', httpStatus: '200' }) as (
    summary: z.input<typeof executionSummary>,
  ) => string;
  // A search page's body: each hit's step as the step schema validates and encodes it (an index hit's is
  // the stored reply's own UTF-8 bytes of it, encoded by the same schema, put in as they are), then its
  // snippet. The snippet comes from snippetOf, whose type is the schema's, with its members in the schema's
  // order: JSON.stringify writes what the schema's serializer would (search-snippet.test.ts checks it on
  // random snippets), without validating what was just made (a rare word's 16 snippets: 38 us through the
  // serializer, 8 with JSON.stringify).
  const serializeStep = serializerCompiler({ schema: step, method: 'GET', url: '/api/v1/steps', httpStatus: '200' }) as (hit: z.input<typeof step>) => string;
  const searchPage = (hits: readonly SearchHit[], terms: Parameters<typeof snippetOf>[1], nextCursor: string | null): Buffer => {
    const parts: Buffer[] = [];
    let text = '{"steps":[';
    for (const [i, hit] of hits.entries()) {
      if (i > 0) text += ',';
      const snippet: z.input<typeof searchSnippet> | null = snippetOf(hit.fields, terms);
      // Each step's text without its closing brace, then its snippet and the brace.
      if (hit.json === undefined) text += serializeStep(hit.step).slice(0, -1);
      else {
        parts.push(Buffer.from(text), hit.json.subarray(0, hit.json.length - 1));
        text = '';
      }
      text += `,"snippet":${JSON.stringify(snippet)}}`;
    }
    parts.push(Buffer.from(`${text}],"nextCursor":${JSON.stringify(nextCursor)}}`));
    return Buffer.concat(parts);
  };
  const summaryTexts = new WeakMap<ExecutionSummaryRecord, string>();
  const summaryText = (record: ExecutionSummaryRecord) => {
    let text = summaryTexts.get(record);
    if (text === undefined) summaryTexts.set(record, (text = serializeSummary(toExecutionSummary(record))));
    return text;
  };

  app.get(
    '/executions',
    {
      schema: {
        tags: ['executions'],
        summary: 'List and search executions, newest first',
        description:
          'A page filtered by pipeline, status, environment or id prefix only is answered from the newest executions of the app held in memory when they hold the whole page; `Cache-Control: no-cache` reads the stored rows as they are now.',
        querystring: executionListQuery,
        response: { 200: executionListResponse, ...errors },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const range = resolveRange(query, LIST_WINDOW_MILLIS);
      const scoreFilters = scoreFiltersOf(query);
      if (scoreFilters.length > 0 && !options.scoreFilter) throw new XRayError('XRAY_ERR_VALIDATION', 'Score filters are not available');
      const after = decodeCursor(query.cursor);
      // Filters on steps, business keys or scores need ClickHouse; the others the head may answer.
      // `Cache-Control: no-cache` asks for the stored rows as they are now, past the head.
      const headFilters =
        !query.step && !query.q && !query.where?.length && scoreFilters.length === 0 && !asksForStoredRows(request.headers);
      const fromHead =
        headFilters && options.listHead
          ? await options.listHead.list(
              request.appId,
              { ...range, pipeline: query.pipeline, status: query.status, environment: query.environment, idPrefix: query.idPrefix },
              query.limit + 1,
              after,
            )
          : undefined;
      const records = fromHead ?? await repo.list(
        request.appId,
        {
          ...range,
          pipeline: query.pipeline,
          status: query.status,
          environment: query.environment,
          stepName: query.step,
          reasoning: query.q,
          idPrefix: query.idPrefix,
          businessKeys: query.where,
          idsFrom: scoreFilters.length > 0 ? options.scoreFilter?.(request.appId, scoreFilters) : undefined,
        },
        query.limit + 1,
        after,
      );
      const page = records.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = records.length > query.limit && last ? encodeCursor({ startNanos: last.start_ns, id: last.execution_id }) : null;
      // The response schema's text, made of each execution's summary text (validated and encoded once per record).
      // A text payload skips preSerialization, where the audit hook counts rows.
      request.auditRows = page.length;
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"executions":[${page.map(summaryText).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}` as never);
    },
  );

  app.get(
    '/executions/:executionId',
    {
      schema: {
        tags: ['executions'],
        summary: 'One execution with its ordered steps, its token and cost totals, and its latest score of each name',
        description:
          'A finished execution read before, or one from a settled day, is answered from memory or from the reply store; `Cache-Control: no-cache` reads the stored rows as they are now.',
        params: executionParams,
        querystring: noQuery,
        response: { 200: executionResponse, 404: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { appId } = request;
      const { executionId } = request.params;
      const load = async () => {
        const [timeline, scores] = await Promise.all([
          repo.timeline(appId, executionId),
          options.latestScores ? options.latestScores(appId, executionId) : [],
        ]);
        const detail = toDetailReply(timeline, scores, serialize);
        if (!detail) throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);
        return detail;
      };
      // `Cache-Control: no-cache` asks for the stored rows as they are now, past the memory cache and the reply store.
      const fresh = asksForStoredRows(request.headers);
      const { json, rows } = options.cache ? await options.cache.read(appId, executionId, load, { fresh }) : (await load()).value;
      // A text payload skips preSerialization, where the audit hook counts rows. The type provider
      // types send() by the response schema; this text is that schema's serialization.
      request.auditRows = rows;
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.get(
    '/steps',
    {
      schema: {
        tags: ['steps'],
        summary: 'Search steps by name, status and words of their reasoning, error message, input or output, newest first; each hit with the matching snippet',
        querystring: stepSearchQuery,
        response: { 200: stepSearchResponse, ...errors },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const range = resolveRange(query, LIST_WINDOW_MILLIS);
      const parsed = query.q ? parseSearch(query.q) : undefined;
      const terms = parsed?.ok ? parsed.terms : [];
      const after = decodeCursor(query.cursor);
      const engineHits = async (window: { fromMillis: number; toMillis: number }, limit: number): Promise<SearchHit[]> => {
        const records = await repo.searchSteps(
          request.appId,
          {
            ...window,
            name: query.name,
            status: query.status,
            pipeline: query.pipeline,
            environment: query.environment,
            reasoning: query.q,
            businessKeys: query.where,
          },
          limit,
          after,
        );
        return records.map((record) => ({ step: toStep(record), fields: record }));
      };
      const wanted = query.limit + 1;
      // A search alone (no other filter, no `Cache-Control: no-cache`): the settled days through the index.
      const alone = query.name === undefined && query.status === undefined && query.pipeline === undefined && query.environment === undefined && !query.where?.length;
      const plan = options.searchIndex && terms.length > 0 && alone && !asksForStoredRows(request.headers)
        ? options.searchIndex.plan(request.appId, terms, range)
        : undefined;
      let hits: SearchHit[] | undefined;
      if (plan) {
        // Newest first: the engine's days, then, if the page is not full, the index's.
        const engineDays = plan.engineFromMillis < range.toMillis && !(after && BigInt(after.startNanos) < BigInt(plan.engineFromMillis) * 1_000_000n);
        hits = engineDays ? await engineHits({ fromMillis: plan.engineFromMillis, toMillis: range.toMillis }, wanted) : [];
        if (hits.length < wanted) {
          const older = options.searchIndex!.hits(request.appId, plan, terms, range.fromMillis, wanted - hits.length, after);
          hits = older && [...hits, ...older];
        }
      }
      if (terms.length > 0) options.searchIndex?.answered(hits ? 'index' : 'engine');
      hits ??= await engineHits(range, wanted);
      const page = hits.slice(0, query.limit);
      const last = page[page.length - 1]?.step;
      const nextCursor = hits.length > query.limit && last ? encodeCursor({ startNanos: last.startTimeUnixNano, id: last.spanId }) : null;
      // The response schema's JSON, hit by hit (searchPage); a bytes payload skips preSerialization, where the audit hook counts rows.
      request.auditRows = page.length;
      return reply.type('application/json; charset=utf-8').send(searchPage(page, terms, nextCursor) as never);
    },
  );
};
