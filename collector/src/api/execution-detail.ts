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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * Where each step's JSON starts in a detail reply's text, then where the
 * steps' array closes: step i is `json.slice(at[i], at[i + 1] - 1)` (the
 * comma between them dropped), the last `json.slice(at[n - 1], at[n])`. So a
 * search reads the steps that hold its word without parsing the whole reply
 * (api/step-search-index.ts). The text is compact JSON as the serializer
 * writes it; its top-level `steps` key is found by walking the text (a
 * string value may hold the same characters). Undefined when it has none.
 *
 * @example
 * stepOffsets('{"execution":null,"steps":[{"a":1},{"b":"]"}],"scores":[]}'); // [27, 35, 44]
 */
export function stepOffsets(json: string): number[] | undefined {
  let depth = 0;
  let key: string | undefined;
  let offsets: number[] | undefined;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === QUOTE) {
      const start = i;
      for (i += 1; json.charCodeAt(i) !== QUOTE; i++) if (json.charCodeAt(i) === BACKSLASH) i += 1;
      if (depth === 1) key = json.slice(start + 1, i);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth === 2 && code === OPEN_BRACKET && key === 'steps') offsets = [];
      else if (depth === 3 && offsets) offsets.push(i);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 1 && offsets) {
        offsets.push(i);
        return offsets;
      }
    } else if (code === COMMA && depth === 1) {
      key = undefined;
    }
  }
  return undefined;
}
