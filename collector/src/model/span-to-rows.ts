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

/**
 * Maps one root span. Step and error counts come from the sender when it
 * declares them (it saw every step); otherwise from the steps of this batch.
 */
export function spanToExecutionRow(appId: string, span: DecodedSpan, stepsInBatch: readonly StepRow[]): ExecutionRow {
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
    step_count: toUInt32(numberAttr(attrs, ATTR_XRAY_EXECUTION_STEP_COUNT) ?? stepsInBatch.length),
    error_count: toUInt32(
      numberAttr(attrs, ATTR_XRAY_EXECUTION_ERROR_COUNT) ??
        stepsInBatch.filter((step) => step.status === STEP_STATUS_FAILED).length,
    ),
    dropped_steps: toUInt32(numberAttr(attrs, ATTR_XRAY_EXECUTION_DROPPED_STEPS)),
    error_message: error?.message ?? '',
    metadata: stringAttr(attrs, ATTR_XRAY_EXECUTION_METADATA) ?? '',
    final_outcome: stringAttr(attrs, ATTR_XRAY_EXECUTION_OUTCOME) ?? '',
    attributes: remainingAttributes(attrs, EXECUTION_COLUMNS),
  };
}

/**
 * Maps every span of one request, for the app the API key belongs to. The
 * app id always comes from the key, never from the spans, so a sender can
 * only ever write into its own app.
 */
export function spansToRows(appId: string, spans: readonly DecodedSpan[]): RowBatch {
  const roots: DecodedSpan[] = [];
  const stepsByExecution = new Map<string, StepRow[]>();
  const steps: StepRow[] = [];
  for (const span of spans) {
    if (isExecutionRoot(span)) {
      roots.push(span);
      continue;
    }
    const row = spanToStepRow(appId, span);
    steps.push(row);
    let siblings = stepsByExecution.get(row.execution_id);
    if (!siblings) {
      siblings = [];
      stepsByExecution.set(row.execution_id, siblings);
    }
    siblings.push(row);
  }
  const executions = roots.map((root) => spanToExecutionRow(appId, root, stepsByExecution.get(executionIdOf(root)) ?? []));
  // Senders that do not tag every span with the pipeline still get it on the
  // steps that travel with their root.
  for (const execution of executions) {
    for (const step of stepsByExecution.get(execution.execution_id) ?? []) {
      if (step.pipeline === '') step.pipeline = execution.pipeline;
      if (step.environment === '') step.environment = execution.environment;
    }
  }
  return { executions, steps };
}
