/**
 * One execution's steps a page at a time, and one step's full payloads.
 * A 50,000-step execution with its inputs and outputs is ~100 MB in one
 * response; a viewer needs the first rows now and a step's payloads when it
 * is opened. Pages carry each payload's first characters and its full
 * length, so a row can preview input → output without the rest.
 * Every query starts with the app id (the tenant boundary) and binds every value.
 */
import type { ClickHouseBackend } from './backend.js';
import type { StepRecord } from './executions.js';
import { Conditions, READ_FINAL, numeric } from './sql.js';

/** A step of a page: payloads cut to a preview, with their full lengths. */
export interface StepPageRecord extends StepRecord {
  input_length: number;
  output_length: number;
}

export interface StepPagesRepository {
  /** Steps `offset`..`offset + limit - 1` in order, payloads cut to `previewChars` characters; and the total. */
  page(appId: string, executionId: string, offset: number, limit: number, previewChars: number): Promise<{ steps: StepPageRecord[]; total: number }>;
  /** One step with its full payloads, or undefined. */
  step(appId: string, executionId: string, spanId: string): Promise<StepRecord | undefined>;
  /** The first `limit` steps in page order without payloads (name, status, timing, parent, usage), and the total. */
  outline(appId: string, executionId: string, limit: number): Promise<{ steps: StepOutlineRecord[]; total: number }>;
}

/** A step without its payloads, reasoning or attributes: what a timeline row needs. */
export interface StepOutlineRecord {
  span_id: string;
  parent_span_id: string;
  sequence: number;
  name: string;
  status: string;
  start_ns: string;
  duration_ms: number;
  /** 1 when the step recorded an error (type, message or stack). */
  has_error: number;
  error_message: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** The one order of an execution's steps: pages, offsets and the outline's positions all follow it. */
const STEP_ORDER = 'ORDER BY sequence, start_time, span_id';

// Payload columns are named by the caller: a preview must not be aliased `input`, or ClickHouse would
// resolve `lengthUTF8(input)` to the alias and measure the preview.
const COLUMNS = (payloads: string) => `execution_id, trace_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, ${payloads}, reasoning, error_type, error_message, error_stack, model, provider,
  input_tokens, output_tokens, cost_usd, cost_source, attributes`;

const NUMBERS = ['sequence', 'duration_ms', 'input_tokens', 'output_tokens', 'cost_usd'] as const;

/**
 * Creates the repository.
 *
 * @example
 * const pages = createStepPagesRepository(backend);
 * const { steps, total } = await pages.page('default', executionId, 0, 500, 160);
 */
export function createStepPagesRepository(backend: ClickHouseBackend): StepPagesRepository {
  const ofExecution = (appId: string, executionId: string) =>
    new Conditions().add('app_id = {appId:String} AND execution_id = {executionId:String}', { appId, executionId });

  return {
    async page(appId, executionId, offset, limit, previewChars) {
      const where = ofExecution(appId, executionId);
      const [rows, counts] = await Promise.all([
        backend.query<Omit<StepPageRecord, 'input' | 'output'> & { input_preview: string; output_preview: string }>(
          `SELECT ${COLUMNS('substringUTF8(input, 1, {preview:UInt32}) AS input_preview, substringUTF8(output, 1, {preview:UInt32}) AS output_preview')},
  lengthUTF8(input) AS input_length, lengthUTF8(output) AS output_length
FROM steps FINAL
WHERE ${where.sql}
${STEP_ORDER}
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
${READ_FINAL}`,
          { ...where.params, preview: previewChars, limit, offset },
        ),
        backend.query<{ total: string }>(
          `SELECT count() AS total FROM steps FINAL WHERE ${where.sql} ${READ_FINAL}`,
          where.params,
        ),
      ]);
      return {
        steps: rows.map(({ input_preview, output_preview, ...row }) =>
          numeric({ ...row, input: input_preview, output: output_preview }, [...NUMBERS, 'input_length', 'output_length'] as const),
        ),
        total: Number(counts[0]?.total ?? 0),
      };
    },

    async step(appId, executionId, spanId) {
      const where = ofExecution(appId, executionId).add('span_id = {spanId:String}', { spanId });
      const rows = await backend.query<StepRecord>(
        `SELECT ${COLUMNS('input, output')} FROM steps FINAL
WHERE ${where.sql}
LIMIT 1
${READ_FINAL}`,
        where.params,
      );
      return rows[0] ? numeric(rows[0], NUMBERS) : undefined;
    },

    async outline(appId, executionId, limit) {
      const where = ofExecution(appId, executionId);
      const [rows, counts] = await Promise.all([
        backend.query<StepOutlineRecord>(
          `SELECT span_id, parent_span_id, sequence, name, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, duration_ms,
  (error_type != '' OR error_message != '' OR error_stack != '') AS has_error, error_message,
  input_tokens, output_tokens, cost_usd
FROM steps FINAL
WHERE ${where.sql}
${STEP_ORDER}
LIMIT {limit:UInt32}
${READ_FINAL}`,
          { ...where.params, limit },
        ),
        backend.query<{ total: string }>(`SELECT count() AS total FROM steps FINAL WHERE ${where.sql} ${READ_FINAL}`, where.params),
      ]);
      return {
        steps: rows.map((row) => numeric(row, ['sequence', 'duration_ms', 'has_error', 'input_tokens', 'output_tokens', 'cost_usd'] as const)),
        total: Number(counts[0]?.total ?? 0),
      };
    },
  };
}
