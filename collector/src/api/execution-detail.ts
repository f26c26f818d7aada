/**
 * One execution's detail reply (`GET /api/v1/executions/{id}`) built from its
 * timeline and scores, and serialized by the route's own response schema:
 * the route, its cache and the reply store's builder (reply-builder.ts) all
 * make the reply here, so a reply served from memory or from disk is the
 * same text as one read from ClickHouse.
 */
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { rowsInPayload } from '../audit/audit-entry.js';
import type { Timeline } from '../store/index.js';
import type { CachedReply } from './execution-cache.js';
import { toExecutionDetail, toStep } from './presenters.js';
import { executionResponse } from './schemas.js';
import type { latestScore } from './schemas.js';

/** What a detail reply carries beyond its text: where it starts, and whether it can change no more. */
export interface DetailReply {
  value: CachedReply;
  /** When the execution started, ms; undefined without its root row. */
  startMillis?: number;
  /** Completed or failed: only such replies are kept (a running one changes with every step). */
  finished: boolean;
}

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed']);

/** The route's serializer: its 200 response schema, validated and encoded, then JSON text. */
export function detailSerializer(): (detail: z.input<typeof executionResponse>) => string {
  return serializerCompiler({ schema: executionResponse, method: 'GET', url: '/api/v1/executions/:executionId', httpStatus: '200' }) as (
    detail: z.input<typeof executionResponse>,
  ) => string;
}

/**
 * The reply for a timeline and its latest scores; undefined when nothing of
 * the execution is stored.
 *
 * @example
 * const serialize = detailSerializer();
 * const reply = toDetailReply(await repo.timeline(appId, id), [], serialize);
 */
export function toDetailReply(
  { execution, steps }: Timeline,
  scores: z.infer<typeof latestScore>[],
  serialize: ReturnType<typeof detailSerializer>,
): DetailReply | undefined {
  if (!execution && steps.length === 0) return undefined;
  const detail = { execution: execution ? toExecutionDetail(execution) : null, steps: steps.map(toStep), scores };
  return {
    value: { json: serialize(detail), rows: rowsInPayload(200, detail) },
    startMillis: execution ? Number(BigInt(execution.start_ns) / 1_000_000n) : undefined,
    finished: execution !== undefined && FINISHED.has(execution.status),
  };
}
