/**
 * The zod schemas of the query API: request query strings and the JSON the
 * API answers with. They validate requests, shape responses and generate the
 * OpenAPI document (GET /openapi.json), so they are the API's documentation.
 */
import { z } from 'zod';
import { XRayError } from '../errors.js';
import { DURATION_EXAMPLES, INSTANT_EXAMPLES, parseDurationSeconds, parseInstant } from '../time/index.js';
import { parseSearch } from '../store/step-search.js';

const DAY_MILLIS = 86_400_000;

/** A time in the one grammar of src/time/instant.ts: ISO 8601 (UTC unless a zone is given) or unix milliseconds. */
export const timeParam = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseInstant(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }
    return parsed.millis;
  })
  .describe(`${INSTANT_EXAMPLES}; a time without a zone is UTC; digits from 10^8 to 10^11 (unix seconds?) are refused`);

export const nameParam = z.string().min(1).max(256);

/** Statuses the filters accept: what the SDK and the collector write. */
export const STATUS_VALUES = ['completed', 'failed', 'unfinished'] as const;
const statusParam = z.enum(STATUS_VALUES, { message: `expected one of ${STATUS_VALUES.join(', ')}` });

/** `from`/`to` with a default window ending now. */
export function timeRange(defaultWindowMillis: number) {
  return {
    from: timeParam.optional().describe(`Start of the window (inclusive); default: ${defaultWindowMillis / DAY_MILLIS} day(s) before \`to\``),
    to: timeParam.optional().describe('End of the window (exclusive); default: now'),
  };
}

/**
 * The window a query covers: `to` defaults to now, `from` to `to` minus the
 * default window. A window that is empty or reversed is refused (400), so a
 * swapped `from`/`to` is not mistaken for "no data".
 */
export function resolveRange(
  query: { from?: number; to?: number },
  defaultWindowMillis: number,
  now = Date.now(),
): { fromMillis: number; toMillis: number } {
  const toMillis = query.to ?? now + 1;
  const fromMillis = query.from ?? Math.max(0, toMillis - defaultWindowMillis);
  if (fromMillis >= toMillis) {
    const from = new Date(fromMillis).toISOString();
    const to = new Date(toMillis).toISOString();
    throw new XRayError(
      'XRAY_ERR_VALIDATION',
      `querystring: from (${from}) must be before to (${to}${query.to === undefined ? ', the default: now' : ''})`,
      { details: [{ path: '/from', message: 'must be before to' }] },
    );
  }
  return { fromMillis, toMillis };
}

/** The one default window of executions, steps and stats (the CLI documents the same). */
export const DEFAULT_WINDOW_MILLIS = 7 * DAY_MILLIS;
export const LIST_WINDOW_MILLIS = DEFAULT_WINDOW_MILLIS;
export const STATS_WINDOW_MILLIS = DEFAULT_WINDOW_MILLIS;
export const CATALOG_WINDOW_MILLIS = 30 * DAY_MILLIS;

/** Routes that take no query parameters still refuse unknown ones, like every other route. */
export const noQuery = z.object({}).strict();

export const limitParam = z.coerce.number().int().min(1).max(500).default(50);

const MAX_BUSINESS_KEYS = 8;

/**
 * `where=key=value`, repeatable (all must hold): an attribute of the row or a
 * top-level key of the execution's metadata, e.g. `applicantId=A-1042`,
 * `user.id=u-7`, `session.id=s-1`. Normalized to `key=value` strings.
 */
export const whereParam = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const pairs = Array.isArray(value) ? value : [value];
    if (pairs.length > MAX_BUSINESS_KEYS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_BUSINESS_KEYS} where conditions, got ${pairs.length}` });
      return z.NEVER;
    }
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at < 1 || pair.length > 1024) {
        ctx.addIssue({ code: 'custom', message: `expected key=value (a key, then "=", then the value), got ${JSON.stringify(pair.slice(0, 64))}` });
        return z.NEVER;
      }
    }
    return pairs;
  })
  .optional()
  .describe('key=value, repeatable (all must hold): an attribute, or a top-level key of the execution metadata, e.g. applicantId=A-1042');

/**
 * A step search (store/step-search.ts): words that must all appear in a
 * step's reasoning, error message, input or output, each a word prefix in
 * reasoning and error messages (`thresh` finds `threshold`) and a whole word
 * in input and output; `"quoted words"` must appear together, in order.
 */
export const searchParam = z
  .string()
  .min(1)
  .max(512)
  .superRefine((text, ctx) => {
    const parsed = parseSearch(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  });

/** The filters of the executions list, shared by every route that takes "the list's filters" (live tail, export). */
export const executionFilterParams = {
  where: whereParam,
  pipeline: nameParam.optional(),
  status: statusParam.optional(),
  environment: nameParam.optional(),
  step: nameParam.optional().describe('Only executions with a step of this name'),
  q: searchParam.optional().describe('Only executions with a step matching this search (as `q` of GET /api/v1/steps)'),
};

const executionListParams = {
  ...executionFilterParams,
  idPrefix: nameParam.optional().describe('Only executions whose id starts with this (resolves a short id)'),
  ...timeRange(LIST_WINDOW_MILLIS),
  limit: limitParam,
  cursor: z.string().max(1024).optional().describe('`nextCursor` of the previous page'),
};
/** The list's own parameters; any other key must be a score filter. */
const EXECUTION_LIST_KEYS = new Set(Object.keys(executionListParams));

export const executionListQuery = z
  .object(executionListParams)
  .catchall(z.string().max(256).describe('`score.<name>=<value>`: only executions whose latest score of that name has that value'))
  .superRefine((query, ctx) => {
    const unknown = Object.keys(query).filter((key) => !EXECUTION_LIST_KEYS.has(key) && !SCORE_FILTER_KEY.test(key));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'unrecognized_keys',
        keys: unknown,
        message: `unknown query parameter(s) ${unknown.map((key) => JSON.stringify(key)).join(', ')} (a score filter is score.<name>=<value>)`,
      });
    }
  });

/** A score filter of the executions list: `score.<name>`, the name as scores/ accepts it. */
export const SCORE_FILTER_KEY = /^score\.([A-Za-z0-9_][A-Za-z0-9_.:-]{0,127})$/;

/** The `score.<name>=<value>` filters of an executions-list query. */
export function scoreFiltersOf(query: Record<string, unknown>): { name: string; value: string }[] {
  return Object.entries(query).flatMap(([key, value]) => {
    const match = SCORE_FILTER_KEY.exec(key);
    return match && typeof value === 'string' ? [{ name: match[1], value }] : [];
  });
}

export const stepSearchQuery = z
  .object({
    where: whereParam,
    name: nameParam.optional(),
    status: statusParam.optional(),
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    q: searchParam
      .optional()
      .describe(
        'Search: every word must appear in the step\'s reasoning, error message, input or output; in reasoning and error messages a word ' +
          'matches the start of a word (`thresh` finds `threshold`, from 4 characters), in input and output a whole word; ' +
          '`"credit score below"` matches those words together, in order. Case-insensitive (ASCII letters).',
      ),
    ...timeRange(LIST_WINDOW_MILLIS),
    limit: limitParam,
    cursor: z.string().max(1024).optional(),
  })
  .strict();

/** A bucket width in the shared duration grammar (`5m`, `1h`, `1d`, `1w`), or a bare number of seconds. */
export const intervalParam = z
  .string()
  .transform((value, ctx) => {
    const seconds = /^\d{1,9}$/.test(value) ? Number(value) : parseDurationSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as ${DURATION_EXAMPLES}, or a number of seconds; got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return seconds;
  })
  .pipe(z.number().int().min(60, 'the interval must be at least 1m (the rollup resolution)').max(366 * 86400, 'the interval must be at most 366d'));

export const failureRateQuery = z
  .object({
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    ...timeRange(STATS_WINDOW_MILLIS),
    interval: intervalParam.optional().describe('Bucket width (default: chosen to give about 60 buckets)'),
  })
  .strict();

export const summaryQuery = z
  .object({
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    ...timeRange(STATS_WINDOW_MILLIS),
  })
  .strict();

export const topFailingStepsQuery = z
  .object({
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    ...timeRange(STATS_WINDOW_MILLIS),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .strict();

export const pipelinesQuery = z.object({ ...timeRange(CATALOG_WINDOW_MILLIS) }).strict();

export const executionParams = z.object({ executionId: z.string().min(1).max(256) });

export const executionSummary = z.object({
  executionId: z.string(),
  traceId: z.string(),
  pipeline: z.string(),
  environment: z.string(),
  serviceName: z
    .string()
    .describe("OpenTelemetry service.name: the program that ran the pipeline (the SDK's serviceName). The app is always the API key's."),
  status: z.string(),
  startTime: z.string().describe('ISO 8601'),
  endTime: z.string(),
  startTimeUnixNano: z.string(),
  durationMs: z.number(),
  stepCount: z.number(),
  errorCount: z.number(),
  droppedSteps: z.number(),
  errorMessage: z.string(),
  inputTokens: z.number().optional().describe("gen_ai input tokens summed over the execution's stored steps (absent from live-tail events)"),
  outputTokens: z.number().optional().describe('gen_ai output tokens, likewise'),
  costUsd: z.number().optional().describe('Cost in USD summed over the steps: reported by the sender or estimated from the price table'),
  estimatedCostUsd: z.number().optional().describe('The part of costUsd estimated from the price table (XRAY_PRICE_TABLE)'),
});

/**
 * An attribute map exactly as stored: any key, `__proto__` included. zod's
 * record rebuilds the object on output by plain assignment, which silently
 * drops a `__proto__` key, so the map is checked and passed through as is.
 */
const attributeMap = z
  .custom<Record<string, string>>(
    (value) => typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string'),
    { message: 'expected a map of strings' },
  )
  .meta({ type: 'object', additionalProperties: { type: 'string' } });

export const executionDetail = executionSummary.extend({
  rootSpanId: z.string(),
  metadata: z.unknown().describe('The metadata object the SDK sent (parsed JSON), or null'),
  finalOutcome: z.unknown().describe('The final outcome (parsed JSON), or null'),
  attributes: attributeMap,
});

export const stepError = z.object({ type: z.string(), message: z.string(), stack: z.string() });

export const step = z.object({
  executionId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().describe("Parent span id; the execution's root span id for a top-level step"),
  sequence: z.number(),
  name: z.string(),
  pipeline: z.string(),
  environment: z.string(),
  status: z.string(),
  startTime: z.string(),
  endTime: z.string(),
  startTimeUnixNano: z.string(),
  durationMs: z.number(),
  input: z.string().describe('Serialized input (JSON text for structured values)'),
  output: z.string(),
  reasoning: z.string(),
  error: stepError.nullable(),
  model: z.string(),
  provider: z.string(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  costSource: z
    .enum(['reported', 'estimated', ''])
    .describe('Where costUsd came from: the sender (xray.step.cost_usd), the price table (XRAY_PRICE_TABLE) from model and tokens, or "" (no cost)'),
  attributes: attributeMap,
});

export const executionListResponse = z.object({
  executions: z.array(executionSummary),
  nextCursor: z.string().nullable(),
});

/** An execution's latest score of one name, as the execution detail lists it (the full history: GET …/scores). */
export const latestScore = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'boolean', 'categorical']),
  value: z.union([z.number(), z.boolean(), z.string()]),
  comment: z.string(),
  author: z.string(),
  time: z.string().describe('ISO 8601'),
  stepSpanId: z.string().nullable().describe('The step it judges, or null for the whole execution'),
  scoreId: z.string(),
  count: z.number().describe('Scores of this name the execution has (this one and the earlier ones it supersedes)'),
});

export const executionResponse = z.object({
  execution: executionDetail.nullable().describe('null while only steps have arrived (the root span is still on its way)'),
  steps: z.array(step),
  scores: z
    .array(latestScore)
    .describe('The latest score of each name, by name, with how many scores of that name exist; every score: GET /api/v1/executions/{executionId}/scores'),
});

export const searchSnippet = z
  .object({
    field: z.enum(['reasoning', 'error.message', 'input', 'output']).describe('The field the snippet is from: the first of these that matches'),
    text: z.string().describe('Up to 200 characters of the field around its first match'),
    highlights: z
      .array(z.tuple([z.number().int(), z.number().int()]))
      .describe('Each match in `text` as [start, end): UTF-16 code unit offsets, end exclusive, in order'),
    clippedStart: z.boolean().describe('`text` starts inside the field (show an ellipsis before it)'),
    clippedEnd: z.boolean().describe('`text` ends inside the field'),
  })
  .describe('Where the search matched, with the matches marked');

export const stepSearchHit = step.extend({
  snippet: searchSnippet.nullable().describe('Where `q` matched; null without `q`'),
});

export const stepSearchResponse = z.object({ steps: z.array(stepSearchHit), nextCursor: z.string().nullable() });

export const failureRateResponse = z.object({
  intervalSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  series: z.array(
    z.object({
      pipeline: z.string(),
      points: z.array(
        z.object({ time: z.string(), executions: z.number(), failed: z.number(), failureRate: z.number() }),
      ),
    }),
  ),
});

export const summaryResponse = z.object({
  from: z.string(),
  to: z.string(),
  executions: z.number(),
  failed: z.number(),
  failureRate: z.number(),
  avgDurationMs: z.number(),
  p50DurationMs: z.number(),
  p95DurationMs: z.number(),
});

export const durationsResponse = z.object({
  intervalSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  points: z.array(
    z.object({
      time: z.string(),
      executions: z.number(),
      avgDurationMs: z.number(),
      p50DurationMs: z.number(),
      p95DurationMs: z.number(),
    }),
  ),
});

export const topFailingStepsResponse = z.object({
  from: z.string(),
  to: z.string(),
  steps: z.array(
    z.object({ pipeline: z.string(), name: z.string(), total: z.number(), failed: z.number(), failureRate: z.number() }),
  ),
});

export const pipelinesResponse = z.object({
  pipelines: z.array(z.string()),
  environments: z.array(z.string()).describe('Non-empty environments seen in the window'),
});

export const errorResponse = z.object({
  error: z.object({
    code: z.string().describe('Stable XRAY_ERR_* code'),
    message: z.string(),
    retryable: z.boolean(),
    details: z.unknown().optional(),
  }),
});

export const stepDurationsResponse = z.object({
  from: z.string(),
  to: z.string(),
  steps: z.array(
    z.object({
      name: z.string(),
      steps: z.number(),
      failed: z.number(),
      avgDurationMs: z.number(),
      p50DurationMs: z.number(),
      p95DurationMs: z.number(),
    }),
  ),
});
