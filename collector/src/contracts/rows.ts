/**
 * The row shapes of the ClickHouse tables `executions` and `steps`, as the
 * span mapping (model/) produces them and the store (store/) inserts them.
 * Types only: this file is the contract between the two, so neither imports
 * the other. Column names are the tables' own (snake_case); times are
 * DateTime64(9) text in UTC (`YYYY-MM-DD hh:mm:ss.nnnnnnnnn`).
 */

export interface ExecutionRow {
  app_id: string;
  execution_id: string;
  trace_id: string;
  root_span_id: string;
  pipeline: string;
  environment: string;
  service_name: string;
  status: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  step_count: number;
  error_count: number;
  dropped_steps: number;
  error_message: string;
  metadata: string;
  final_outcome: string;
  attributes: Record<string, string>;
}

export interface StepRow {
  app_id: string;
  execution_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  sequence: number;
  name: string;
  pipeline: string;
  environment: string;
  status: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  input: string;
  output: string;
  reasoning: string;
  error_type: string;
  error_message: string;
  error_stack: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Where cost_usd came from: 'reported' (the sender), 'estimated' (the price table), '' (no cost). */
  cost_source: string;
  attributes: Record<string, string>;
}

/**
 * Rows of one table already encoded for the insert (store/row-encoding.ts,
 * by a decode worker), so the main thread never holds them as objects.
 */
export interface EncodedRows {
  /** The insert's column list, in the payload's order. */
  columns: string[];
  payload: Uint8Array;
  rows: number;
  /** The distinct partition days (`YYYY-MM-DD` of start_time) among the rows. */
  days: string[];
  /** The distinct `[app_id, execution_id]` of the rows (what an insert of them touches, for cache invalidation). */
  executions: [string, string][];
  /** For step rows: what the executions list counts of them, per execution (store/step-totals.ts). */
  stepTotals?: StepTotals[];
  /**
   * For step rows: the distinct hashes of their searched words, per app and
   * day (store/word-sieve.ts `gatherStepWords`), when the decode worker was
   * asked for them; step search's sieves learn them before the insert.
   */
  words?: { appId: string; day: string; hashes: Int32Array }[];
}

/** What the executions list counts of one execution's steps, over some step rows (store/step-totals.ts). */
export interface StepTotals {
  app_id: string;
  execution_id: string;
  /** Distinct span ids. */
  steps: number;
  /** Rows with status `failed` (one per span unless `repeated`). */
  failed: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The part of costUsd the price table estimated. */
  estimatedCostUsd: number;
  /** The earliest and latest step start, DateTime64 text. */
  firstStart: string;
  lastStart: string;
  /** A span id came twice: ClickHouse settles which version counts, so these totals cannot say. */
  repeated: boolean;
}

/** The rows one OTLP request turns into. */
export interface RowBatch {
  executions: ExecutionRow[];
  steps: StepRow[];
  /** The request's steps, encoded (then `steps` is empty). */
  encodedSteps?: EncodedRows;
  /**
   * Names the request the rows came from (its app and content, see
   * ingest/deduplication-token.ts): the store writes these rows as inserts of
   * their own under this token, so a retry of the request stores nothing new.
   */
  deduplicationToken?: string;
}
