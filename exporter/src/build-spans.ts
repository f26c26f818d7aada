/**
 * Turns a finished execution record into spans: one child span per step and
 * the root span (the execution) last. Pure apart from random span ids; runs
 * off the caller's path, after completion. A step that cannot be built is
 * dropped and counted rather than losing the whole execution.
 */
import { SpanStatusCode, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describeError, toExceptionEvent } from './exception.js';
import type { ExecutionRecord } from './execution-record.js';
import { finishedSpan, localSpanContext, NO_EVENTS, STATUS_UNSET, type HrTimeSource } from './readable-span.js';
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
  STEP_STATUS_COMPLETED,
  STEP_STATUS_FAILED,
} from './semconv.js';
import { serializeJson, type SerializeCounters } from './serialize.js';
import { randomSpanIds, spanIdAt } from './span-ids.js';
import { slotOfStep } from './step-trim.js';
import { addStepFieldAttributes, addUserAttributes, resolveStepStatus } from './step-attributes.js';
import type { StepInput } from './step-types.js';
import { perfToEpochMillis, toDurationMillis, toEpochMillis } from './time.js';

/** What every span of a client shares, plus the counters building bumps. */
export interface BuildSettings {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly maxAttributeBytes: number;
  /** The resource's `deployment.environment.name`: steps of an execution in it need not repeat it. */
  readonly resourceEnvironment: string | undefined;
  readonly counters: SerializeCounters & { stepsDropped: number };
}

/** Names only the SDK sets on a step span: a user's step attribute of one of these names is left out. */
const STEP_RESERVED: ReadonlySet<string> = new Set([
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_STEP_SEQUENCE,
  ATTR_XRAY_STEP_STATUS,
]);
/** Names only the SDK sets on the root span: a tag of one of these names is left out. */
const ROOT_RESERVED: ReadonlySet<string> = new Set([
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_EXECUTION_STATUS,
  ATTR_XRAY_EXECUTION_STEP_COUNT,
  ATTR_XRAY_EXECUTION_ERROR_COUNT,
  ATTR_XRAY_EXECUTION_DROPPED_STEPS,
  ATTR_XRAY_EXECUTION_METADATA,
  ATTR_XRAY_EXECUTION_OUTCOME,
]);

/**
 * Builds the spans of `record`: steps in sequence order, then the root.
 *
 * Step spans carry only what is theirs. The execution id (when it is the
 * trace id), the pipeline and the environment (when it is the resource's) are
 * the collector's to take from the trace and the root span, which travels in
 * the same request, and a `completed` or `failed` status from the span status; {@link addExecutionAttributesToSteps} puts them back when
 * an execution has to be split over several requests.
 *
 * @example
 * const spans = buildExecutionSpans(record, settings);
 * exporter.export(spans, callback);
 */
export function buildExecutionSpans(record: ExecutionRecord, settings: BuildSettings): ReadableSpan[] {
  const traceId = record.traceId;
  const count = record.steps.length;
  // One id per step slot, then the root's.
  const spanIds = randomSpanIds(count + 1);
  const rootContext = localSpanContext(traceId, spanIdAt(spanIds, count));
  const contexts: SpanContext[] = new Array(count);
  const startMillis: number[] = new Array(count);
  for (let i = 0; i < count; i++) contexts[i] = localSpanContext(traceId, spanIdAt(spanIds, i));

  const spans: ReadableSpan[] = [];
  const anchor = record.anchor;
  const execStart = anchor.epochMillis;
  const execEnd = perfToEpochMillis(anchor, record.endPerfMillis);
  const ownExecutionId = record.executionId !== traceId ? record.executionId : undefined;
  const ownEnvironment = record.environment !== settings.resourceEnvironment ? record.environment : undefined;
  const times = new HrTimes();
  let rootStart = execStart;
  let rootEnd = execEnd;
  let errorCount = 0;
  let droppedSteps = record.droppedSteps;

  for (let i = 0; i < count; i++) {
    const step = record.steps[i];
    if (step === undefined) continue; // trimmed by maxStepsPerExecution, counted in record.droppedSteps
    try {
      const parent = step.parentStepId === undefined ? undefined : parentSlot(record, step.parentStepId, i);
      const parentStart = parent === undefined ? undefined : startMillis[parent];
      let start: number;
      let end: number;
      if (step.startTime === undefined && step.endTime === undefined && step.durationMs === undefined) {
        // The common case, resolveStepTimes without explicit times: from where the previous step ended to when this one was recorded.
        const endPerf = record.stepEndPerf[i];
        end = Number.isNaN(endPerf) ? execEnd : perfToEpochMillis(anchor, endPerf);
        start = perfToEpochMillis(anchor, record.stepStartPerf[i]);
        if (parentStart !== undefined && parentStart > start) start = parentStart;
        if (start > end) start = end;
      } else {
        [start, end] = resolveStepTimes(record, i, step, parentStart, execEnd);
      }
      startMillis[i] = start;
      const status = resolveStepStatus(step);
      if (status === STEP_STATUS_FAILED) errorCount++;
      const attributes = stepAttributes(settings, step, status, record.stepIds[i], ownExecutionId, ownEnvironment);
      const parentContext = parent === undefined ? rootContext : contexts[parent];
      spans.push(buildStepSpan(settings, step, status, contexts[i], parentContext, start, end, times, attributes));
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
  spans.push(buildRootSpan(record, settings, rootContext, rootStart, rootEnd, spans.length, errorCount, droppedSteps));
  return spans;
}

/**
 * Epoch milliseconds to HrTime, remembering the last conversion: a step's
 * start is usually the previous step's end, so consecutive spans share one
 * HrTime array instead of converting the same instant twice.
 */
class HrTimes implements HrTimeSource {
  private lastMillis = Number.NaN;
  private last: HrTime = [0, 0];

  of(millis: number): HrTime {
    if (millis !== this.lastMillis) {
      this.lastMillis = millis;
      this.last = millisToHrTime(millis);
    }
    return this.last;
  }
}

/**
 * Adds the execution's id and pipeline to every step span of `spans` (built
 * by {@link buildExecutionSpans}, not yet exported), for an execution sent as
 * several requests: a step that travels without its root still says where it
 * belongs.
 */
export function addExecutionAttributesToSteps(spans: readonly ReadableSpan[], record: ExecutionRecord): void {
  for (const span of spans) {
    if (span.parentSpanContext === undefined) continue;
    const attributes = span.attributes;
    attributes[ATTR_XRAY_EXECUTION_ID] = record.executionId;
    attributes[ATTR_XRAY_PIPELINE] = record.pipeline;
    if (record.environment !== undefined) attributes[ATTR_XRAY_ENVIRONMENT] = record.environment;
  }
}

function stepAttributes(
  settings: BuildSettings,
  step: StepInput,
  status: string,
  sequence: number,
  executionId: string | undefined,
  environment: string | undefined,
): Attributes {
  const max = settings.maxAttributeBytes;
  const attributes: Attributes = {};
  // The SDK's own names are never taken from the user, even those a step span leaves to its root.
  if (step.attributes !== undefined) addUserAttributes(attributes, step.attributes, max, settings.counters, STEP_RESERVED);
  if (executionId !== undefined) attributes[ATTR_XRAY_EXECUTION_ID] = executionId;
  if (environment !== undefined) attributes[ATTR_XRAY_ENVIRONMENT] = environment;
  attributes[ATTR_XRAY_STEP_SEQUENCE] = sequence;
  // `completed` and `failed` are what the collector reads from the span status (UNSET / ERROR); only other statuses need the attribute.
  if (status !== STEP_STATUS_COMPLETED && status !== STEP_STATUS_FAILED) attributes[ATTR_XRAY_STEP_STATUS] = status;
  addStepFieldAttributes(attributes, step, max, settings.counters);
  return attributes;
}

function buildStepSpan(
  settings: BuildSettings,
  step: StepInput,
  status: string,
  context: SpanContext,
  parentContext: SpanContext,
  startMillis: number,
  endMillis: number,
  times: HrTimes,
  attributes: Attributes,
): ReadableSpan {
  let events = NO_EVENTS;
  let spanStatus = STATUS_UNSET;
  const error = step.error !== undefined ? describeError(step.error) : undefined;
  if (error !== undefined) {
    events = [toExceptionEvent(error, millisToHrTime(Math.max(startMillis, endMillis)), settings.maxAttributeBytes, settings.counters)];
  }
  if (status === STEP_STATUS_FAILED) spanStatus = { code: SpanStatusCode.ERROR, message: error?.message };
  const name = typeof step.name === 'string' ? step.name : String(step.name);
  return finishedSpan(name, context, parentContext, startMillis, endMillis, attributes, spanStatus, events, settings.resource, settings.instrumentationScope, times);
}

function buildRootSpan(
  record: ExecutionRecord,
  settings: BuildSettings,
  context: SpanContext,
  startMillis: number,
  endMillis: number,
  stepCount: number,
  errorCount: number,
  droppedSteps: number,
): ReadableSpan {
  const max = settings.maxAttributeBytes;
  const failed = record.status === EXECUTION_STATUS_FAILED;
  const attributes: Attributes = {};
  // The SDK's own names are never taken from tags.
  addUserAttributes(attributes, record.tags, max, settings.counters, ROOT_RESERVED);
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

  let events = NO_EVENTS;
  let status = STATUS_UNSET;
  if (failed) {
    const error = record.error !== undefined ? describeError(record.error) : undefined;
    if (error !== undefined) events = [toExceptionEvent(error, millisToHrTime(Math.max(startMillis, endMillis)), max, settings.counters)];
    status = { code: SpanStatusCode.ERROR, message: error?.message };
  }
  return finishedSpan(record.pipeline, context, undefined, startMillis, endMillis, attributes, status, events, settings.resource, settings.instrumentationScope);
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
