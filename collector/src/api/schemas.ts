/**
 * The zod schemas of the query API: request query strings and the JSON the
 * API answers with. They validate requests, shape responses and generate the
 * OpenAPI document (GET /openapi.json), so they are the API's documentation.
 */
import { z } from 'zod';

const DAY_MILLIS = 86_400_000;

/** A time as ISO 8601 or unix milliseconds. */
const timeParam = z
  .string()
  .transform((value, ctx) => {
    const millis = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(millis)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time or unix milliseconds, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return millis;
  })
  .describe('ISO 8601 time or unix milliseconds');

const nameParam = z.string().min(1).max(256);

/** `from`/`to` with a default window ending now. */
function timeRange(defaultWindowMillis: number) {
  return {
    from: timeParam.optional().describe(`Start of the window (inclusive); default: ${defaultWindowMillis / DAY_MILLIS} day(s) before \`to\``),
    to: timeParam.optional().describe('End of the window (exclusive); default: now'),
  };
}

export function resolveRange(
  query: { from?: number; to?: number },
  defaultWindowMillis: number,
  now = Date.now(),
): { fromMillis: number; toMillis: number } {
  const toMillis = query.to ?? now + 1;
  const fromMillis = query.from ?? toMillis - defaultWindowMillis;
  return { fromMillis, toMillis };
}

export const LIST_WINDOW_MILLIS = 7 * DAY_MILLIS;
export const STATS_WINDOW_MILLIS = DAY_MILLIS;
export const CATALOG_WINDOW_MILLIS = 30 * DAY_MILLIS;

const limitParam = z.coerce.number().int().min(1).max(500).default(50);

const EXECUTION_LIST_KEYS = new Set(['pipeline', 'status', 'environment', 'step', 'q', 'from', 'to', 'limit', 'cursor']);

export const executionListQuery = z
  .object({
    pipeline: nameParam.optional(),
    status: nameParam.optional().describe('completed | failed'),
    environment: nameParam.optional(),
    step: nameParam.optional().describe('Only executions with a step of this name'),
    q: z.string().min(1).max(512).optional().describe('Only executions with a step whose reasoning contains all these words'),
    ...timeRange(LIST_WINDOW_MILLIS),
    limit: limitParam,
    cursor: z.string().max(1024).optional().describe('`nextCursor` of the previous page'),
  })
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
    name: nameParam.optional(),
    status: nameParam.optional(),
    pipeline: nameParam.optional(),
    environment: nameParam.optional(),
    q: z.string().min(1).max(512).optional().describe('Words that must all appear in the step reasoning'),
    ...timeRange(LIST_WINDOW_MILLIS),
    limit: limitParam,
    cursor: z.string().max(1024).optional(),
  })
  .strict();

/** `1m`, `5m`, `1h`, `1d` or a number of seconds. */
const intervalParam = z
  .string()
  .regex(/^(\d+)([smhd]?)$/, 'expected a number of seconds or a duration such as 1m, 1h, 1d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+)([smhd]?)$/.exec(value)!;
    const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[unit as '' | 's' | 'm' | 'h' | 'd'];
    return Number(amount) * factor;
  })
  .pipe(z.number().int().min(60, 'the interval must be at least 1m (the rollup resolution)').max(366 * 86400));

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
  serviceName: z.string(),
  status: z.string(),
  startTime: z.string().describe('ISO 8601'),
  endTime: z.string(),
  startTimeUnixNano: z.string(),
  durationMs: z.number(),
  stepCount: z.number(),
  errorCount: z.number(),
  droppedSteps: z.number(),
  errorMessage: z.string(),
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
  attributes: attributeMap,
});

export const executionListResponse = z.object({
  executions: z.array(executionSummary),
  nextCursor: z.string().nullable(),
});

export const executionResponse = z.object({
  execution: executionDetail.nullable().describe('null while only steps have arrived (the root span is still on its way)'),
  steps: z.array(step),
});

export const stepSearchResponse = z.object({ steps: z.array(step), nextCursor: z.string().nullable() });

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
