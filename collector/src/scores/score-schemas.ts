/**
 * The zod schemas of the score routes: the body of a new score, a score as
 * the API shows it, and the aggregate over time. They validate, shape replies
 * and document the routes in /openapi.json.
 */
import { z } from 'zod';

/** Score names become query keys (`score.<name>=...`), so they are plain tokens. */
export const scoreName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/, 'expected 1-128 letters, digits, "_", ".", ":" or "-", not starting with a punctuation mark');

export const scoreValue = z
  .union([z.number(), z.boolean(), z.string().min(1).max(256)])
  .describe('A number (numeric score), true/false (boolean) or a label of 1-256 characters (categorical)');

/** How far in the future a score's time may be (clocks differ a little). */
export const MAX_FUTURE_MILLIS = 3_600_000;

const scoreTime = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(0)])
  .transform((value) => (typeof value === 'number' ? value : Date.parse(value)))
  .refine((millis) => millis <= Date.now() + MAX_FUTURE_MILLIS, 'the time must not be more than an hour in the future')
  .describe('When the judgement was made: ISO 8601 or unix milliseconds (default: now)');

export const newScoreBody = z
  .object({
    name: scoreName,
    value: scoreValue,
    stepSpanId: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'expected a span id: 16 lowercase hex digits')
      .optional()
      .describe('Score one step of the execution rather than the whole'),
    comment: z.string().max(4096).optional(),
    author: z.string().min(1).max(256).optional().describe('Who judged (default: the prefix of the key that sent the score)'),
    time: scoreTime.optional(),
  })
  .strict();

export const scoreSchema = z.object({
  scoreId: z.string(),
  executionId: z.string(),
  stepSpanId: z.string().nullable(),
  name: z.string(),
  kind: z.enum(['numeric', 'boolean', 'categorical']),
  value: scoreValue,
  comment: z.string(),
  author: z.string(),
  pipeline: z.string(),
  time: z.string().describe('ISO 8601'),
});

export const executionScoresParams = z.object({ executionId: z.string().min(1).max(256) });

export const newScoreResponse = z.object({ score: scoreSchema });
export const scoreListResponse = z.object({ scores: z.array(scoreSchema) });

export const scoreStatsResponse = z.object({
  name: z.string(),
  intervalSeconds: z.number(),
  from: z.string(),
  to: z.string(),
  series: z.array(
    z.object({
      pipeline: z.string(),
      points: z.array(
        z.object({
          time: z.string(),
          scored: z.number().describe('Executions with this score in the bucket (each counted once, with its latest score)'),
          average: z.number().nullable().describe('Mean of numeric scores; for a boolean score the share of true; null for labels'),
          values: z.record(z.string(), z.number()).describe('Executions per value of a boolean or categorical score'),
        }),
      ),
    }),
  ),
});
