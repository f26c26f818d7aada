/**
 * Turns a finished execution record into spans: one child span per step and
 * the root span (the execution) last. Pure apart from random span ids; runs
 * off the caller's path, after completion. A step that cannot be built is
 * dropped and counted rather than losing the whole execution.
 */
import { SpanStatusCode, type Attributes, type SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { RandomIdGenerator, type ReadableSpan, type TimedEvent } from '@opentelemetry/sdk-trace-base';
import { describeError, toExceptionEvent } from './exception.js';
import type { ExecutionRecord } from './execution-record.js';
import { createReadableSpan } from './readable-span.js';
import {
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
  ATTR_XRAY_STEP_SEQUENCE,
  ATTR_XRAY_STEP_STATUS,
  EXECUTION_STATUS_FAILED,
  STEP_STATUS_FAILED,
} from './semconv.js';
import { serializeJson, type SerializeCounters } from './serialize.js';
import { slotOfStep } from './step-trim.js';
import { addStepFieldAttributes, addUserAttributes, resolveStepStatus } from './step-attributes.js';
import type { StepInput } from './step-types.js';
import { perfToEpochMillis, toDurationMillis, toEpochMillis, toSpanTimes } from './time.js';

/** What every span of a client shares, plus the counters building bumps. */
export interface BuildSettings {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly maxAttributeBytes: number;
  readonly counters: SerializeCounters & { stepsDropped: number };
}

const ids = new RandomIdGenerator();

/**
 * Builds the spans of `record`: steps in sequence order, then the root.
 *
 * @example
 * const spans = buildExecutionSpans(record, settings);
 * exporter.export(spans, callback);
 */
export function buildExecutionSpans(record: ExecutionRecord, settings: BuildSettings): ReadableSpan[] {
  const rootSpanId = ids.generateSpanId();
  const count = record.steps.length;
  const spanIds: string[] = new Array(count);
  const startMillis: number[] = new Array(count);
  for (let i = 0; i < count; i++) spanIds[i] = ids.generateSpanId();

  const spans: ReadableSpan[] = [];
  const execStart = record.anchor.epochMillis;
  const execEnd = perfToEpochMillis(record.anchor, record.endPerfMillis);
  let rootStart = execStart;
  let rootEnd = execEnd;
  let errorCount = 0;
  let droppedSteps = record.droppedSteps;

  for (let i = 0; i < count; i++) {
    const step = record.steps[i];
    if (step === undefined) continue; // trimmed by maxStepsPerExecution, counted in record.droppedSteps
    try {
      const parent = parentSlot(record, step.parentStepId, i);
      const [start, end] = resolveStepTimes(record, i, step, parent === undefined ? undefined : startMillis[parent], execEnd);
      startMillis[i] = start;
      const status = resolveStepStatus(step);
      if (status === STEP_STATUS_FAILED) errorCount++;
      spans.push(buildStepSpan(record, settings, step, status, record.stepIds[i], spanIds[i], parent === undefined ? rootSpanId : spanIds[parent], start, end));
      // The root spans whatever its steps span, even steps timed before start.
      if (start < rootStart) rootStart = start;
      if (end > rootEnd) rootEnd = end;
    } catch {
      startMillis[i] = execStart;
      droppedSteps++;
      settings.counters.stepsDropped++;
      settings.counters.serializationFailures++;
    }
  }

  // Failed steps given up to the cap still count: the error count is never short.
  errorCount += record.droppedFailedSteps;
  spans.push(buildRootSpan(record, settings, rootSpanId, rootStart, rootEnd, spans.length, errorCount, droppedSteps));
  return spans;
}

function buildStepSpan(
  record: ExecutionRecord,
  settings: BuildSettings,
  step: StepInput,
  status: string,
  sequence: number,
  spanId: string,
  parentSpanId: string,
  startMillis: number,
  endMillis: number,
): ReadableSpan {
  const max = settings.maxAttributeBytes;
  const attributes: Attributes = {};
  // User attributes first, so the SDK's own names cannot be overwritten.
  addUserAttributes(attributes, step.attributes, max, settings.counters);
  attributes[ATTR_XRAY_EXECUTION_ID] = record.executionId;
  attributes[ATTR_XRAY_PIPELINE] = record.pipeline;
  if (record.environment !== undefined) attributes[ATTR_XRAY_ENVIRONMENT] = record.environment;
  attributes[ATTR_XRAY_STEP_SEQUENCE] = sequence;
  attributes[ATTR_XRAY_STEP_STATUS] = status;
  addStepFieldAttributes(attributes, step, max, settings.counters);

  const times = toSpanTimes(startMillis, endMillis);
  const events: TimedEvent[] = [];
  let spanStatus: SpanStatus = { code: SpanStatusCode.UNSET };
  const error = step.error !== undefined ? describeError(step.error) : undefined;
  if (error !== undefined) events.push(toExceptionEvent(error, times.endTime, max, settings.counters));
  if (status === STEP_STATUS_FAILED) spanStatus = { code: SpanStatusCode.ERROR, message: error?.message };

  return createReadableSpan({
    name: String(step.name),
    traceId: record.traceId,
    spanId,
    parentSpanId,
    ...times,
    attributes,
    status: spanStatus,
    events,
    resource: settings.resource,
    instrumentationScope: settings.instrumentationScope,
  });
}

function buildRootSpan(
  record: ExecutionRecord,
  settings: BuildSettings,
  spanId: string,
  startMillis: number,
  endMillis: number,
  stepCount: number,
  errorCount: number,
  droppedSteps: number,
): ReadableSpan {
  const max = settings.maxAttributeBytes;
  const failed = record.status === EXECUTION_STATUS_FAILED;
  const attributes: Attributes = {};
  // Tags first, so the SDK's own names cannot be overwritten.
  addUserAttributes(attributes, record.tags, max, settings.counters);
  attributes[ATTR_XRAY_EXECUTION_ID] = record.executionId;
  attributes[ATTR_XRAY_EXECUTION_ROOT] = true;
  attributes[ATTR_XRAY_PIPELINE] = record.pipeline;
  attributes[ATTR_XRAY_EXECUTION_STATUS] = record.status;
  attributes[ATTR_XRAY_EXECUTION_STEP_COUNT] = stepCount;
  attributes[ATTR_XRAY_EXECUTION_ERROR_COUNT] = errorCount;
  attributes[ATTR_XRAY_EXECUTION_DROPPED_STEPS] = droppedSteps;
  if (record.environment !== undefined) attributes[ATTR_XRAY_ENVIRONMENT] = record.environment;
  if (record.metadata !== undefined) {
    const metadata = serializeJson(record.metadata, max, settings.counters);
    if (metadata !== undefined) attributes[ATTR_XRAY_EXECUTION_METADATA] = metadata;
  }
  if (record.hasOutcome) {
    const outcome = serializeJson(record.outcome, max, settings.counters);
    if (outcome !== undefined) attributes[ATTR_XRAY_EXECUTION_OUTCOME] = outcome;
  }

  const times = toSpanTimes(startMillis, endMillis);
  const events: TimedEvent[] = [];
  let status: SpanStatus = { code: SpanStatusCode.UNSET };
  if (failed) {
    const error = record.error !== undefined ? describeError(record.error) : undefined;
    if (error !== undefined) events.push(toExceptionEvent(error, times.endTime, max, settings.counters));
    status = { code: SpanStatusCode.ERROR, message: error?.message };
  }

  return createReadableSpan({
    name: record.pipeline,
    traceId: record.traceId,
    spanId,
    ...times,
    attributes,
    status,
    events,
    resource: settings.resource,
    instrumentationScope: settings.instrumentationScope,
  });
}

/**
 * The slot of a step's parent. A parent must be an earlier, kept step;
 * anything else (including a parent trimmed by the cap) makes the step a
 * child of the root.
 */
function parentSlot(record: ExecutionRecord, parentStepId: unknown, slot: number): number | undefined {
  if (typeof parentStepId !== 'number' || !Number.isInteger(parentStepId) || parentStepId < 0 || parentStepId >= record.stepIds[slot]) {
    return undefined;
  }
  // Untrimmed, a step's id is its slot: skip the search.
  const direct = record.stepIds[parentStepId] === parentStepId && record.steps[parentStepId] !== undefined ? parentStepId : slotOfStep(record, parentStepId);
  return direct >= 0 ? direct : undefined;
}

/**
 * A step's [start, end] in epoch milliseconds. Explicit times win; a missing
 * end is when the step was recorded (or, for an unfinished `ctx.step`, when
 * the execution ended); a missing start is where the previous step ended,
 * never before the parent step started.
 */
function resolveStepTimes(
  record: ExecutionRecord,
  index: number,
  step: StepInput,
  parentStartMillis: number | undefined,
  execEndMillis: number,
): [number, number] {
  const endPerf = record.stepEndPerf[index];
  const recordedEnd = Number.isNaN(endPerf) ? execEndMillis : perfToEpochMillis(record.anchor, endPerf);
  const start = toEpochMillis(step.startTime);
  const end = toEpochMillis(step.endTime);
  const duration = toDurationMillis(step.durationMs);
  if (start !== undefined && end !== undefined) return [start, end];
  if (start !== undefined) return [start, duration !== undefined ? start + duration : Math.max(start, recordedEnd)];
  let defaultStart = perfToEpochMillis(record.anchor, record.stepStartPerf[index]);
  if (parentStartMillis !== undefined && parentStartMillis > defaultStart) defaultStart = parentStartMillis;
  if (end !== undefined) return [duration !== undefined ? end - duration : Math.min(defaultStart, end), end];
  if (duration !== undefined) return [recordedEnd - duration, recordedEnd];
  return [Math.min(defaultStart, recordedEnd), recordedEnd];
}
