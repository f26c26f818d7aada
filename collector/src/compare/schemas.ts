/** The zod schemas of GET /api/v1/executions/compare: they validate the query and document the reply in /openapi.json. */
import { z } from 'zod';

const idParam = z.string().min(1).max(256);

export const compareQuery = z
  .object({
    a: idParam.describe('The execution to compare from (the "before")'),
    b: idParam.describe('The execution to compare to (the "after")'),
    durationChangePct: z.coerce
      .number()
      .min(0)
      .max(100)
      .default(20)
      .describe('A step duration counts as changed when it differs by at least this percentage of the larger one'),
  })
  .strict();

const jsonChange = z.object({
  path: z.string().describe('Where the values differ, `$` for the whole value, e.g. `$.score`, `$.items[2]`'),
  kind: z.enum(['added', 'removed', 'changed']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

const fieldChange = <F extends [string, ...string[]]>(fields: F) =>
  z.object({
    field: z.enum(fields),
    before: z.unknown(),
    after: z.unknown(),
    deltaMs: z.number().optional().describe('For durationMs: after - before'),
    diff: z.array(jsonChange).optional().describe('For JSON objects and arrays: a structural diff'),
    diffTruncated: z.boolean().optional(),
  });

const stepSide = z.object({ spanId: z.string(), sequence: z.number(), status: z.string(), durationMs: z.number() });

const executionSide = z.object({
  executionId: z.string(),
  pipeline: z.string(),
  status: z.string(),
  durationMs: z.number(),
  startTime: z.string(),
  stepCount: z.number(),
});

export const compareResponse = z.object({
  a: executionSide,
  b: executionSide,
  execution: z.object({ changes: z.array(fieldChange(['status', 'durationMs', 'errorMessage', 'metadata', 'finalOutcome'])) }),
  steps: z
    .array(
      z.object({
        path: z.array(z.string()).describe('Step keys from the top level down; a repeated name is counted: `score#1` is the second `score`'),
        depth: z.number(),
        name: z.string(),
        kind: z.enum(['added', 'removed', 'changed', 'unchanged']),
        a: stepSide.nullable(),
        b: stepSide.nullable(),
        changes: z.array(fieldChange(['status', 'durationMs', 'input', 'output', 'reasoning', 'error'])),
      }),
    )
    .describe("Both step trees merged in tree order: B's order, with steps only A has where A had them"),
  summary: z.object({ added: z.number(), removed: z.number(), changed: z.number(), unchanged: z.number() }),
});
