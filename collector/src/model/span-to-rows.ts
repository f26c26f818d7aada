/**
 * Maps decoded OTLP spans onto `executions` and `steps` rows. Pure: no I/O,
 * no clock, so the same spans always give the same rows, whichever batch they
 * arrive in and in whatever order; that is what lets a split or re-delivered
 * execution converge on the same stored result.
 *
 * Which span is the execution: the one marked `xray.execution.root`, or, for
 * spans from senders that know nothing of X-Ray, a span without a parent.
 * Which execution a span belongs to: its `xray.execution.id`, else its trace id.
 */
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INPUT_MIME_TYPE,
  ATTR_INPUT_VALUE,
  ATTR_OUTPUT_MIME_TYPE,
  ATTR_OUTPUT_VALUE,
  ATTR_SERVICE_NAME,
  ATTR_XRAY_APP_ID,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_EXECUTION_DROPPED_STEPS,
  ATTR_XRAY_EXECUTION_ERROR_COUNT,
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_METADATA,
  ATTR_XRAY_EXECUTION_OUTCOME,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_EXECUTION_STATUS,
  ATTR_XRAY_EXECUTION_STEP_COUNT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_STEP_COST_USD,
  ATTR_XRAY_STEP_REASONING,
  ATTR_XRAY_STEP_SEQUENCE,
  ATTR_XRAY_STEP_STATUS,
  EVENT_EXCEPTION,
  EXECUTION_STATUS_COMPLETED,
  EXECUTION_STATUS_FAILED,
  STEP_STATUS_COMPLETED,
  STEP_STATUS_FAILED,
} from '@xray/sdk/semconv';
import type { DecodedSpan } from '../contracts/spans.js';
import type { ExecutionRow, RowBatch, StepRow } from '../contracts/rows.js';
import { boolAttr, numberAttr, remainingAttributes, stringAttr, toUInt32 } from './attributes.js';
import { durationMillis, nanosToDateTime64 } from './time.js';

/** `steps.cost_source` of a cost the sender gave (migration 0120); the price table's is 'estimated'. */
export const COST_REPORTED = 'reported';
/**
 * The largest cost one step may report (USD); a larger value is a sender's
 * bug (or units mixed up), ignored as if not reported: summed, a value
 * like 1e308 overflows to Infinity, which no JSON reply can carry.
 */
export const MAX_STEP_COST_USD = 1_000_000;

/** OTLP Status.code for an error. */
const STATUS_CODE_ERROR = 2;

/** Attributes that become columns of `executions`, so they are not repeated in its attribute map. */
const EXECUTION_COLUMNS: ReadonlySet<string> = new Set([
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_APP_ID,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_EXECUTION_STATUS,
  ATTR_XRAY_EXECUTION_METADATA,
  ATTR_XRAY_EXECUTION_OUTCOME,
  ATTR_XRAY_EXECUTION_STEP_COUNT,
  ATTR_XRAY_EXECUTION_ERROR_COUNT,
  ATTR_XRAY_EXECUTION_DROPPED_STEPS,
]);

/** Attributes that become columns of `steps`. */
const STEP_COLUMNS: ReadonlySet<string> = new Set([
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_APP_ID,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_STEP_STATUS,
  ATTR_XRAY_STEP_REASONING,
  ATTR_XRAY_STEP_SEQUENCE,
  ATTR_XRAY_STEP_COST_USD,
  ATTR_INPUT_VALUE,
  ATTR_OUTPUT_VALUE,
  // How input.value/output.value were serialized: part of those columns, not something the user sent.
  ATTR_INPUT_MIME_TYPE,
  ATTR_OUTPUT_MIME_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
]);

/** True when the span stands for the execution itself rather than a step of it. */
export function isExecutionRoot(span: DecodedSpan): boolean {
  const marked = boolAttr(span.attributes, ATTR_XRAY_EXECUTION_ROOT);
  if (marked !== undefined) return marked;
  return span.parentSpanId === '';
}

export function executionIdOf(span: DecodedSpan): string {
  return stringAttr(span.attributes, ATTR_XRAY_EXECUTION_ID) || span.traceId;
}

function environmentOf(span: DecodedSpan): string {
  return (
    stringAttr(span.attributes, ATTR_XRAY_ENVIRONMENT) ??
    stringAttr(span.resource, ATTR_DEPLOYMENT_ENVIRONMENT_NAME) ??
    stringAttr(span.resource, 'deployment.environment') ??
    ''
  );
}

interface SpanError {
  type: string;
  message: string;
  stack: string;
}

/** The error a span reports: its last `exception` event, else its error status message. */
function errorOf(span: DecodedSpan): SpanError | undefined {
  for (let i = span.events.length - 1; i >= 0; i--) {
    const event = span.events[i];
    if (event.name !== EVENT_EXCEPTION) continue;
    return {
      type: stringAttr(event.attributes, ATTR_EXCEPTION_TYPE) ?? '',
      message: stringAttr(event.attributes, ATTR_EXCEPTION_MESSAGE) ?? span.status.message,
      stack: stringAttr(event.attributes, ATTR_EXCEPTION_STACKTRACE) ?? '',
    };
  }
  if (span.status.code === STATUS_CODE_ERROR) return { type: '', message: span.status.message, stack: '' };
  return undefined;
}

function stepStatusOf(span: DecodedSpan): string {
  const declared = stringAttr(span.attributes, ATTR_XRAY_STEP_STATUS);
  if (declared) return declared;
  return span.status.code === STATUS_CODE_ERROR ? STEP_STATUS_FAILED : STEP_STATUS_COMPLETED;
}

/**
 * Maps one step span. A step whose sender gave no sequence gets 0: its
 * position is decided at read time (by start time, then span id), never by
 * which request it travelled in, so a split or reordered delivery stores the
 * same rows.
 */
export function spanToStepRow(appId: string, span: DecodedSpan): StepRow {
  const attrs = span.attributes;
  const error = errorOf(span);
  const sentCost = numberAttr(attrs, ATTR_XRAY_STEP_COST_USD);
  const reportedCost = sentCost !== undefined && sentCost <= MAX_STEP_COST_USD ? sentCost : undefined;
  return {
    app_id: appId,
    execution_id: executionIdOf(span),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    sequence: toUInt32(numberAttr(attrs, ATTR_XRAY_STEP_SEQUENCE) ?? 0),
    name: span.name,
    pipeline: stringAttr(attrs, ATTR_XRAY_PIPELINE) ?? '',
    environment: environmentOf(span),
    status: stepStatusOf(span),
    start_time: nanosToDateTime64(span.startTimeUnixNano),
    end_time: nanosToDateTime64(span.endTimeUnixNano),
    duration_ms: durationMillis(span.startTimeUnixNano, span.endTimeUnixNano),
    input: stringAttr(attrs, ATTR_INPUT_VALUE) ?? '',
    output: stringAttr(attrs, ATTR_OUTPUT_VALUE) ?? '',
    reasoning: stringAttr(attrs, ATTR_XRAY_STEP_REASONING) ?? '',
    error_type: error?.type ?? '',
    error_message: error?.message ?? '',
    error_stack: error?.stack ?? '',
    model: stringAttr(attrs, ATTR_GEN_AI_RESPONSE_MODEL) ?? stringAttr(attrs, ATTR_GEN_AI_REQUEST_MODEL) ?? '',
    provider: stringAttr(attrs, ATTR_GEN_AI_PROVIDER_NAME) ?? stringAttr(attrs, ATTR_GEN_AI_SYSTEM) ?? '',
    input_tokens: toUInt32(numberAttr(attrs, ATTR_GEN_AI_USAGE_INPUT_TOKENS)),
    output_tokens: toUInt32(numberAttr(attrs, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS)),
    cost_usd: Math.max(0, reportedCost ?? 0),
    cost_source: reportedCost === undefined ? '' : COST_REPORTED,
    attributes: remainingAttributes(attrs, STEP_COLUMNS),
  };
}

/** What a root's row counts of the steps that travel with it (spanToExecutionRow). */
export interface BatchStepCounts {
  steps: number;
  /** Steps with status `failed`. */
  failed: number;
}

/** What a root's row counts when none of its steps travel with it. */
export const NO_STEPS_IN_BATCH: Readonly<BatchStepCounts> = Object.freeze({ steps: 0, failed: 0 });

/**
 * Maps one root span. Step and error counts come from the sender when it
 * declares them (it saw every step); otherwise from `counts`, the steps of
 * this batch that belong to it (RequestRowMapper counts them).
 */
export function spanToExecutionRow(appId: string, span: DecodedSpan, counts: Readonly<BatchStepCounts>): ExecutionRow {
  const attrs = span.attributes;
  const error = errorOf(span);
  // Like steps: an exception event alone (recorded, then handled) does not
  // fail the execution; an error status or a declared status decides.
  const declaredStatus = stringAttr(attrs, ATTR_XRAY_EXECUTION_STATUS);
  const status =
    declaredStatus || (span.status.code === STATUS_CODE_ERROR ? EXECUTION_STATUS_FAILED : EXECUTION_STATUS_COMPLETED);
  return {
    app_id: appId,
    execution_id: executionIdOf(span),
    trace_id: span.traceId,
    root_span_id: span.spanId,
    pipeline: stringAttr(attrs, ATTR_XRAY_PIPELINE) || span.name,
    environment: environmentOf(span),
    service_name: stringAttr(span.resource, ATTR_SERVICE_NAME) ?? '',
    status,
    start_time: nanosToDateTime64(span.startTimeUnixNano),
    end_time: nanosToDateTime64(span.endTimeUnixNano),
    duration_ms: durationMillis(span.startTimeUnixNano, span.endTimeUnixNano),
    step_count: toUInt32(numberAttr(attrs, ATTR_XRAY_EXECUTION_STEP_COUNT) ?? counts.steps),
    error_count: toUInt32(numberAttr(attrs, ATTR_XRAY_EXECUTION_ERROR_COUNT) ?? counts.failed),
    dropped_steps: toUInt32(numberAttr(attrs, ATTR_XRAY_EXECUTION_DROPPED_STEPS)),
    error_message: error?.message ?? '',
    metadata: stringAttr(attrs, ATTR_XRAY_EXECUTION_METADATA) ?? '',
    final_outcome: stringAttr(attrs, ATTR_XRAY_EXECUTION_OUTCOME) ?? '',
    attributes: remainingAttributes(attrs, EXECUTION_COLUMNS),
  };
}

/**
 * Maps one request's spans as they come, for the app the API key belongs
 * to: each step's row goes to `onStep` at once (so a decode that hands spans
 * over one by one holds no span longer than its mapping), the roots wait
 * for `finish`, which makes their rows from the counts of their steps. The
 * app id always comes from the key, never from the spans, so a sender can
 * only ever write into its own app.
 *
 * @example
 * const mapper = new RequestRowMapper('checkout', (row) => steps.push(row));
 * for (const span of spans) mapper.add(span);
 * const executions = mapper.finish();
 */
export class RequestRowMapper {
  private readonly roots: DecodedSpan[] = [];
  private readonly counts = new Map<string, BatchStepCounts>();

  constructor(
    private readonly appId: string,
    private readonly onStep: (row: StepRow) => void,
  ) {}

  add(span: DecodedSpan): void {
    if (isExecutionRoot(span)) {
      this.roots.push(span);
      return;
    }
    const row = spanToStepRow(this.appId, span);
    let counts = this.counts.get(row.execution_id);
    if (!counts) {
      counts = { steps: 0, failed: 0 };
      this.counts.set(row.execution_id, counts);
    }
    counts.steps += 1;
    if (row.status === STEP_STATUS_FAILED) counts.failed += 1;
    this.onStep(row);
  }

  /** The roots' rows, in the order they came. */
  finish(): ExecutionRow[] {
    return this.roots.map((root) => spanToExecutionRow(this.appId, root, this.counts.get(executionIdOf(root)) ?? NO_STEPS_IN_BATCH));
  }
}

/** What a step without a pipeline or environment of its own takes from its execution's root. */
export interface InheritedFields {
  pipeline: string;
  environment: string;
}

/**
 * Per execution id, the pipeline and environment its steps inherit when
 * they carry none: senders that do not tag every span with the pipeline
 * still get it on the steps that travel with their root. With two roots of
 * one execution, each field comes from the first that has it.
 *
 * @example
 * inheritedFields(executions).get('exec-1'); // { pipeline: 'loan', environment: 'prod' }
 */
export function inheritedFields(executions: readonly ExecutionRow[]): Map<string, InheritedFields> {
  const fields = new Map<string, InheritedFields>();
  for (const execution of executions) {
    const known = fields.get(execution.execution_id);
    if (!known) fields.set(execution.execution_id, { pipeline: execution.pipeline, environment: execution.environment });
    else {
      if (known.pipeline === '') known.pipeline = execution.pipeline;
      if (known.environment === '') known.environment = execution.environment;
    }
  }
  return fields;
}

/**
 * Maps every span of one request (RequestRowMapper), the steps as row objects.
 */
export function spansToRows(appId: string, spans: readonly DecodedSpan[]): RowBatch {
  const steps: StepRow[] = [];
  const mapper = new RequestRowMapper(appId, (row) => steps.push(row));
  for (const span of spans) mapper.add(span);
  const executions = mapper.finish();
  const inherited = inheritedFields(executions);
  if (inherited.size > 0) {
    for (const step of steps) {
      if (step.pipeline !== '' && step.environment !== '') continue;
      const fields = inherited.get(step.execution_id);
      if (!fields) continue;
      if (step.pipeline === '') step.pipeline = fields.pipeline;
      if (step.environment === '') step.environment = fields.environment;
    }
  }
  return { executions, steps };
}
