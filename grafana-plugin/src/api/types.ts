/**
 * The JSON the collector's query API answers with (`/api/v1`), written from
 * the collector's published schemas (its OpenAPI document). The plugin never
 * imports the collector: this file is the contract on the plugin's side.
 */

/** One execution as listed by `GET /executions`. */
export interface ExecutionSummary {
  executionId: string;
  traceId: string;
  pipeline: string;
  environment: string;
  /** OpenTelemetry `service.name`: the program that ran the pipeline. The app is the one of the plugin's API key. */
  serviceName: string;
  /** `completed` | `failed` (the SDK's values; others are kept as sent). */
  status: string;
  /** ISO 8601. */
  startTime: string;
  endTime: string;
  /** Unix nanoseconds as a decimal string (beyond Number's precision). */
  startTimeUnixNano: string;
  durationMs: number;
  stepCount: number;
  errorCount: number;
  droppedSteps: number;
  errorMessage: string;
  /** gen_ai input tokens summed over the stored steps (absent from live-tail events and older collectors). */
  inputTokens?: number;
  outputTokens?: number;
  /** Cost in USD summed over the steps: reported by the sender or estimated from the price table. */
  costUsd?: number;
  /** The part of costUsd estimated from the collector's price table. */
  estimatedCostUsd?: number;
}

/** One execution with its root span's details (`GET /executions/:id`). */
export interface ExecutionDetail extends ExecutionSummary {
  rootSpanId: string;
  metadata: unknown;
  finalOutcome: unknown;
  /** Outline route only: the metadata and the final outcome as the JSON text stored (exact numbers). */
  metadataText?: string;
  finalOutcomeText?: string;
  attributes: Record<string, string>;
}

export interface StepError {
  type: string;
  message: string;
  stack: string;
}

/** One step of an execution. */
export interface Step {
  executionId: string;
  spanId: string;
  /** The execution's root span id for a top-level step. */
  parentSpanId: string;
  sequence: number;
  name: string;
  pipeline: string;
  environment: string;
  status: string;
  startTime: string;
  endTime: string;
  startTimeUnixNano: string;
  durationMs: number;
  /** Serialized input (JSON text for structured values). */
  input: string;
  output: string;
  reasoning: string;
  error: StepError | null;
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  attributes: Record<string, string>;
  /** Step search with `q` only: where the search matched (null or absent otherwise). */
  snippet?: StepSnippet | null;
}

/** Where a step search (`GET /steps?q=`) matched: part of one field, the matches in it. */
export interface StepSnippet {
  /** `reasoning`, `error.message`, `input` or `output`: the first of these that matches. */
  field: string;
  /** Up to 200 characters of the field around its first match. */
  text: string;
  /** Each match in `text` as [start, end): UTF-16 code unit offsets, end exclusive, in order. */
  highlights: Array<[number, number]>;
  /** `text` starts inside the field (an ellipsis goes before it). */
  clippedStart: boolean;
  /** `text` ends inside the field. */
  clippedEnd: boolean;
}

export interface ExecutionListResponse {
  executions: ExecutionSummary[];
  nextCursor: string | null;
}

export interface ExecutionResponse {
  /** null while only steps have arrived (the root span is still on its way). */
  execution: ExecutionDetail | null;
  steps: Step[];
  /** The latest score of each name, with how many of that name exist (absent from older collectors). */
  scores?: LatestScore[];
}

export type ScoreKind = 'numeric' | 'boolean' | 'categorical';

/** One judgement of an execution or a step (`GET /executions/:id/scores`, oldest first). */
export interface Score {
  scoreId: string;
  executionId: string;
  /** The step it judges, or null for the whole execution. */
  stepSpanId: string | null;
  name: string;
  kind: ScoreKind;
  value: number | boolean | string;
  comment: string;
  author: string;
  pipeline: string;
  /** ISO 8601. */
  time: string;
}

export interface ScoreListResponse {
  scores: Score[];
}

/** An execution's latest score of one name, as the execution detail lists it. */
export interface LatestScore extends Omit<Score, 'executionId' | 'pipeline'> {
  /** Scores of this name the execution has (this one and the earlier ones it supersedes). */
  count: number;
}

/**
 * `GET /executions/:id/outline`: the execution and every step without its
 * payloads, one array per field; index i is the step at position i (the
 * `offset` of the step pages).
 */
export interface ExecutionOutlineResponse {
  execution: ExecutionDetail | null;
  /** Steps of the execution (the arrays may hold fewer: the first `limit`). */
  total: number;
  /** Unix nanoseconds the offsets count from (decimal string). */
  startTimeUnixNano: string;
  steps: {
    spanId: string[];
    parentSpanId: string[];
    sequence: number[];
    name: string[];
    status: string[];
    startOffsetNanos: number[];
    durationMs: number[];
    /** null when the step recorded no error. */
    errorMessage: Array<string | null>;
    inputTokens: number[];
    outputTokens: number[];
    costUsd: number[];
  };
}

/**
 * `GET /executions/:id/steps/search?q=`: the execution's steps whose
 * reasoning, error message, input or output match, in step order; the first
 * ones with a snippet.
 */
export interface ExecutionSearchResponse {
  spanIds: string[];
  /** More steps matched than the request's `limit`. */
  truncated: boolean;
  snippets: Array<{ spanId: string; snippet: StepSnippet }>;
}

/** A step of a page: `input` and `output` cut to the requested preview. */
export interface PagedStep extends Step {
  inputLength: number;
  outputLength: number;
}

/** `GET /executions/:id/steps?offset&limit&preview`. */
export interface StepPageResponse {
  steps: PagedStep[];
  total: number;
  nextOffset: number | null;
}

/** `GET /executions/:id/steps/:spanId`: one step with its full payloads. */
export interface StepResponse {
  step: Step;
}

export interface StepPageQuery {
  offset: number;
  limit: number;
  /** Characters of each input and output. */
  preview: number;
}

export interface StepSearchResponse {
  steps: Step[];
  nextCursor: string | null;
}

export interface FailureRatePoint {
  /** Bucket start, ISO 8601. */
  time: string;
  executions: number;
  failed: number;
  /** 0..1 */
  failureRate: number;
}

export interface FailureRateSeries {
  pipeline: string;
  points: FailureRatePoint[];
}

export interface FailureRateResponse {
  intervalSeconds: number;
  from: string;
  to: string;
  series: FailureRateSeries[];
}

export interface SummaryResponse {
  from: string;
  to: string;
  executions: number;
  failed: number;
  failureRate: number;
  avgDurationMs: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

/** `GET /stats/durations`: one point per bucket that has executions (empty buckets are left out). */
export interface DurationsPoint {
  /** Bucket start, ISO 8601. */
  time: string;
  executions: number;
  avgDurationMs: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

export interface DurationsResponse {
  intervalSeconds: number;
  from: string;
  to: string;
  points: DurationsPoint[];
}

/**
 * One step of `GET /stats/top-failing-steps`, counted from the collector's
 * hourly step rollup (whole hours from the one holding `from`).
 */
export interface TopFailingStep {
  pipeline: string;
  name: string;
  /** Runs of the step. */
  total: number;
  failed: number;
  /** failed / total, 0..1 */
  failureRate: number;
}

export interface TopFailingStepsResponse {
  from: string;
  to: string;
  /** Most failures first. */
  steps: TopFailingStep[];
}

/** `GET /pipelines`: what ran in the window (the filters' options). */
export interface PipelinesResponse {
  pipelines: string[];
  /** Non-empty environments seen in the window. */
  environments: string[];
}

/** The collector's error body (`{ error: { code, message, retryable } }`). */
export interface CollectorErrorBody {
  error: { code: string; message: string; retryable: boolean; details?: unknown };
}

/** A window in unix milliseconds, `to` exclusive. */
export interface TimeWindow {
  fromMillis: number;
  toMillis: number;
}

export interface ExecutionQuery extends TimeWindow {
  pipeline?: string;
  status?: string;
  environment?: string;
  step?: string;
  /** Words that must all appear in a step's reasoning. */
  q?: string;
  /** Business keys, `key=value` each (all must hold). */
  where?: string[];
  /** `score.<name>=<value>` filters: the execution's latest score of that name has that value. */
  scores?: Record<string, string>;
  limit?: number;
  cursor?: string;
}

export interface StepQuery extends TimeWindow {
  name?: string;
  status?: string;
  pipeline?: string;
  environment?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface StatsQuery extends TimeWindow {
  pipeline?: string;
  environment?: string;
}

/** A stats query per time bucket (`/stats/failure-rate`, `/stats/durations`). */
export interface BucketedStatsQuery extends StatsQuery {
  /** Bucket width in seconds (the collector's minimum is 60; default: about 60 buckets). */
  intervalSeconds?: number;
}

export interface TopFailingStepsQuery extends StatsQuery {
  /** 1..100 (the collector's default is 10). */
  limit?: number;
}

/**
 * Filters of the executions list beyond the window, shared by the list, the
 * live tail (`/executions/stream`) and the export (`/export`).
 */
export interface ExecutionFilters {
  pipeline?: string;
  status?: string;
  environment?: string;
  step?: string;
  q?: string;
  /** Business keys, `key=value` each, all must hold (`where=applicantId=A-1042`, repeated). */
  where?: string[];
  /** `score.<name>=<value>` filters (the list only: the stream and the export do not take them). */
  scores?: Record<string, string>;
}

/** `GET /export`: the list's filters and window, a format, steps or not. */
export type ExportFormat = 'ndjson' | 'csv' | 'json';

export interface ExportQuery extends TimeWindow, ExecutionFilters {
  format: ExportFormat;
  steps: boolean;
}

/** One change of a field in `GET /executions/compare`. */
export interface CompareJsonChange {
  /** `$`, `$.score`, `$.items[2]`... */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export interface CompareFieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** For durationMs: after - before. */
  deltaMs?: number;
  /** For JSON objects and arrays: a structural diff. */
  diff?: CompareJsonChange[];
  diffTruncated?: boolean;
}

export interface CompareStepSide {
  spanId: string;
  sequence: number;
  status: string;
  durationMs: number;
}

export type CompareStepKind = 'added' | 'removed' | 'changed' | 'unchanged';

export interface CompareStep {
  /** Step keys from the top level down; a repeated name is counted (`score#1`). */
  path: string[];
  depth: number;
  name: string;
  kind: CompareStepKind;
  a: CompareStepSide | null;
  b: CompareStepSide | null;
  changes: CompareFieldChange[];
}

export interface CompareExecutionSide {
  executionId: string;
  pipeline: string;
  status: string;
  durationMs: number;
  startTime: string;
  stepCount: number;
}

/** `GET /executions/compare?a=&b=`: both step trees aligned, B's order with A-only steps where A had them. */
export interface CompareResponse {
  a: CompareExecutionSide;
  b: CompareExecutionSide;
  execution: { changes: CompareFieldChange[] };
  steps: CompareStep[];
  summary: { added: number; removed: number; changed: number; unchanged: number };
}

/** `GET /stats/scores`: one score's buckets per pipeline. */
export interface ScoreStatsPoint {
  /** Bucket start, ISO 8601. */
  time: string;
  /** Executions with this score in the bucket (each once, with its latest score). */
  scored: number;
  /** Mean of numeric scores; the share of true for a boolean score; null for labels. */
  average: number | null;
  /** Executions per value of a boolean or categorical score (`"true"`, `"false"`, a label). */
  values: Record<string, number>;
}

export interface ScoreStatsResponse {
  name: string;
  intervalSeconds: number;
  from: string;
  to: string;
  series: Array<{ pipeline: string; points: ScoreStatsPoint[] }>;
}

export interface ScoreStatsQuery extends BucketedStatsQuery {
  /** The score to aggregate (e.g. `correct`). */
  name: string;
}

/** How `GET /stats/cost` groups its series. */
export type CostGroupBy = 'pipeline' | 'model' | 'provider';

export interface CostStatsQuery extends BucketedStatsQuery {
  groupBy: CostGroupBy;
}

/** Tokens and cost summed over some steps (`GET /stats/cost`). */
export interface CostUsage {
  inputTokens: number;
  outputTokens: number;
  /** Reported by the sender, or estimated from the collector's price table. */
  costUsd: number;
  /** The part of costUsd estimated from the price table. */
  estimatedCostUsd: number;
  /** Steps with usage (tokens or a cost). */
  steps: number;
}

/** One bucket of `GET /stats/cost`: tokens and cost of the steps that started in it. */
export interface CostStatsPoint extends CostUsage {
  /** Bucket start, ISO 8601. */
  time: string;
}

/** `GET /stats/cost?groupBy=`: one series per pipeline, model or provider (`key`, "" for steps without one). */
export interface CostStatsResponse {
  intervalSeconds: number;
  from: string;
  to: string;
  groupBy: CostGroupBy;
  totals: CostUsage;
  series: Array<{ key: string; totals: CostUsage; points: CostStatsPoint[] }>;
}
