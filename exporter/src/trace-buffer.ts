/**
 * What the span processor keeps per execution (one local root span and its
 * descendants) until it is exported, and how a batch is cut from it. Ended
 * spans are never mutated: the attributes added at export time (step status,
 * root counts) go on a copy.
 */
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { withExtraAttributes } from './readable-span.js';
import {
  ATTR_XRAY_EXECUTION_DROPPED_STEPS,
  ATTR_XRAY_EXECUTION_ERROR_COUNT,
  ATTR_XRAY_EXECUTION_STATUS,
  ATTR_XRAY_EXECUTION_STEP_COUNT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_STEP_STATUS,
  EXECUTION_STATUS_COMPLETED,
  EXECUTION_STATUS_FAILED,
  STEP_STATUS_COMPLETED,
  STEP_STATUS_FAILED,
} from './semconv.js';

/** `live`: still collecting. `settled`: everything started has been sent; kept for `graceMillis` to catch late starters. */
export type BufferState = 'live' | 'settled';

export interface ExecutionBuffer {
  readonly executionId: string;
  readonly traceId: string;
  readonly rootSpanId: string;
  /** The pipeline the root declares: set at its start, updated from its attributes when it ends (a root may set `xray.pipeline` late). */
  pipeline: string;
  readonly startedAtMillis: number;
  /** Index keys of this execution's spans, removed when the buffer is forgotten. */
  readonly keys: string[];
  state: BufferState;
  /** Spans started and not yet ended, the root included. */
  open: number;
  /** Ended descendants not yet sent. */
  ended: ReadableSpan[];
  /** The ended root, until sent. */
  root: ReadableSpan | undefined;
  rootEnded: boolean;
  /** When to stop waiting for descendants: the root's end plus `graceMillis`. */
  graceDeadlineMillis: number;
  /** When a settled buffer may be forgotten. */
  forgetAtMillis: number;
  batchesSent: number;
  /** Descendants started (each one a step). */
  stepsStarted: number;
  /** Ended descendants that failed. */
  stepErrors: number;
  /** Descendants refused or given up because of `maxSpansPerTrace`. */
  droppedSpans: number;
  /** Span ids started over `maxSpansPerTrace`: kept only if they end failed. */
  readonly overCap: Set<string>;
}

/** A fresh buffer for a root span that just started. */
export function createExecutionBuffer(
  executionId: string,
  traceId: string,
  rootSpanId: string,
  pipeline: string,
  nowMillis: number,
): ExecutionBuffer {
  return {
    executionId,
    traceId,
    rootSpanId,
    pipeline,
    startedAtMillis: nowMillis,
    keys: [],
    state: 'live',
    open: 0,
    ended: [],
    root: undefined,
    rootEnded: false,
    graceDeadlineMillis: Number.POSITIVE_INFINITY,
    forgetAtMillis: Number.POSITIVE_INFINITY,
    batchesSent: 0,
    stepsStarted: 0,
    stepErrors: 0,
    droppedSpans: 0,
    overCap: new Set(),
  };
}

/** Whether an ended descendant counts as a failed step. */
export function isFailedStep(span: ReadableSpan): boolean {
  const status = span.attributes[ATTR_XRAY_STEP_STATUS];
  return status === undefined ? span.status.code === SpanStatusCode.ERROR : status === STEP_STATUS_FAILED;
}

/**
 * Takes everything ended and unsent out of `buffer`: descendants first, the
 * root last (with its counts), each with the attributes X-Ray derives added.
 */
export function takeBatch(buffer: ExecutionBuffer, fillResource?: (resource: Resource) => Resource): ReadableSpan[] {
  const declared = buffer.root?.attributes[ATTR_XRAY_PIPELINE];
  if (typeof declared === 'string' && declared.length > 0) buffer.pipeline = declared;
  const batch = buffer.ended.map((span) => toStepSpan(span, buffer.pipeline, fillResource));
  buffer.ended = [];
  if (buffer.root !== undefined) {
    batch.push(toRootSpan(buffer, buffer.root, fillResource));
    buffer.root = undefined;
  }
  return batch;
}

/** A step as sent: its status derived when it set none, the pipeline its root declares (which may have changed since the step started), the resource filled in. */
function toStepSpan(span: ReadableSpan, pipeline: string, fillResource: ((resource: Resource) => Resource) | undefined): ReadableSpan {
  const resource = fillResource === undefined ? span.resource : fillResource(span.resource);
  const extra: Attributes = {};
  if (span.attributes[ATTR_XRAY_STEP_STATUS] === undefined) {
    extra[ATTR_XRAY_STEP_STATUS] = span.status.code === SpanStatusCode.ERROR ? STEP_STATUS_FAILED : STEP_STATUS_COMPLETED;
  }
  if (span.attributes[ATTR_XRAY_PIPELINE] !== pipeline) extra[ATTR_XRAY_PIPELINE] = pipeline;
  return Object.keys(extra).length === 0 && resource === span.resource ? span : withExtraAttributes(span, extra, resource);
}

function toRootSpan(buffer: ExecutionBuffer, span: ReadableSpan, fillResource: ((resource: Resource) => Resource) | undefined): ReadableSpan {
  const extra: Attributes = {
    // Every descendant seen to start, so a collector can tell stragglers are still to come.
    [ATTR_XRAY_EXECUTION_STEP_COUNT]: buffer.stepsStarted,
    [ATTR_XRAY_EXECUTION_ERROR_COUNT]: buffer.stepErrors,
    [ATTR_XRAY_EXECUTION_DROPPED_STEPS]: buffer.droppedSpans,
  };
  if (span.attributes[ATTR_XRAY_EXECUTION_STATUS] === undefined) {
    extra[ATTR_XRAY_EXECUTION_STATUS] =
      span.status.code === SpanStatusCode.ERROR ? EXECUTION_STATUS_FAILED : EXECUTION_STATUS_COMPLETED;
  }
  return withExtraAttributes(span, extra, fillResource === undefined ? span.resource : fillResource(span.resource));
}
