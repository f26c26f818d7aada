/** The zod schemas of GET /api/v1/export: the list's filters and window, a format, steps or not, a resume cursor. */
import { z } from 'zod';
import { LIST_WINDOW_MILLIS, executionFilterParams, timeRange } from '../api/schemas.js';

export const exportQuery = z
  .object({
    ...executionFilterParams,
    ...timeRange(LIST_WINDOW_MILLIS),
    format: z.enum(['ndjson', 'csv', 'json']).default('ndjson').describe('ndjson: one execution per line; csv: one row per execution (or per step); json: one array'),
    steps: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((value) => value === 'true' || value === '1')
      .describe('Include each execution\'s steps (NDJSON/JSON: a `steps` array; CSV: one row per step)'),
    cursor: z.string().max(1024).optional().describe('Resume after this execution (the list\'s cursor: what `xray export` prints when an export stops)'),
  })
  .strict();

export const exportResponse = z
  .string()
  .describe(
    'The executions, newest first, streamed as they are read (chunked). `x-xray-export-estimated-records` gives the expected number ' +
      'of records (executions, or steps for CSV with steps). An export that fails midway ends the connection without the final chunk.',
  );
