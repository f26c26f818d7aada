/**
 * Hand-built `ReadableSpan`s. The SDK knows every step's real start and end
 * only after the fact, so it builds finished spans directly instead of driving
 * a tracer; the OTLP exporter only reads these fields. Building is a third of
 * the SDK's CPU per step (bench `sdk`), so these spans share what they can:
 * empty links and events, the UNSET status, the parent's context.
 */
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type Link, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration, millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** Shared by every span without links or events: nothing reads them but the exporter, which only iterates. */
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
export const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
/** The status of every span that did not fail. */
export const STATUS_UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });

/**
 * A span's identity. It doubles as its children's `parentSpanContext` (local,
 * so `isRemote: false`): one object per span, shared by all its children.
 */
export function localSpanContext(traceId: string, spanId: string): SpanContext {
  return { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
}

/**
 * A finished, sampled, INTERNAL span. A class rather than an object literal
 * so that `spanContext()` is one shared method instead of a closure per span,
 * and every span has the same shape (building runs once per step). What is
 * the same for every span (kind, no links, ended, nothing dropped) lives on
 * the prototype; the fields are declared, not initialized, so each is written
 * once, in the constructor.
 */
class FinishedSpan implements ReadableSpan {
  declare readonly kind: SpanKind;
  declare readonly links: Link[];
  declare readonly ended: boolean;
  declare readonly droppedAttributesCount: number;
  declare readonly droppedEventsCount: number;
  declare readonly droppedLinksCount: number;
  declare readonly name: string;
  declare readonly parentSpanContext: SpanContext | undefined;
  declare readonly startTime: HrTime;
  declare readonly endTime: HrTime;
  declare readonly attributes: Attributes;
  declare readonly status: SpanStatus;
  declare readonly events: TimedEvent[];
  declare readonly resource: Resource;
  declare readonly instrumentationScope: InstrumentationScope;
  declare private readonly context: SpanContext;

  constructor(
    name: string,
    context: SpanContext,
    parentSpanContext: SpanContext | undefined,
    startTime: HrTime,
    endTime: HrTime,
    attributes: Attributes,
    status: SpanStatus,
    events: TimedEvent[],
    resource: Resource,
    instrumentationScope: InstrumentationScope,
  ) {
    this.name = name;
    this.context = context;
    this.parentSpanContext = parentSpanContext;
    this.startTime = startTime;
    this.endTime = endTime;
    this.attributes = attributes;
    this.status = status;
    this.events = events;
    this.resource = resource;
    this.instrumentationScope = instrumentationScope;
  }

  /** Computed when read: the OTLP exporter never reads it (it sends start and end). */
  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }

  spanContext(): SpanContext {
    return this.context;
  }
}
Object.assign(FinishedSpan.prototype, {
  kind: SpanKind.INTERNAL,
  links: NO_LINKS,
  ended: true,
  droppedAttributesCount: 0,
  droppedEventsCount: 0,
  droppedLinksCount: 0,
});

/** Epoch milliseconds to HrTime; a builder may pass one that reuses its last answer. */
export interface HrTimeSource {
  of(millis: number): HrTime;
}

const CONVERT_EACH_TIME: HrTimeSource = { of: millisToHrTime };

/**
 * A finished span from epoch milliseconds (`end` clamped to be >= `start`).
 * Spans may share HrTime arrays (`times` may hand a step's start the previous
 * step's end): nothing that reads a ReadableSpan writes to them.
 *
 * @example
 * const root = localSpanContext(traceId, rootSpanId);
 * finishedSpan('fetch', localSpanContext(traceId, spanId), root, start, end, attributes, STATUS_UNSET, NO_EVENTS, resource, scope);
 */
export function finishedSpan(
  name: string,
  context: SpanContext,
  parentSpanContext: SpanContext | undefined,
  startMillis: number,
  endMillis: number,
  attributes: Attributes,
  status: SpanStatus,
  events: TimedEvent[],
  resource: Resource,
  instrumentationScope: InstrumentationScope,
  times: HrTimeSource = CONVERT_EACH_TIME,
): ReadableSpan {
  const startTime = times.of(startMillis);
  const endTime = endMillis > startMillis ? times.of(endMillis) : startTime;
  return new FinishedSpan(name, context, parentSpanContext, startTime, endTime, attributes, status, events, resource, instrumentationScope);
}

/**
 * A copy of an ended span with `extra` attributes added on top. Ended SDK
 * spans must not be mutated (other processors hold the same object), so the
 * span processor adds its per-execution counts through this view.
 */
export function withExtraAttributes(span: ReadableSpan, extra: Attributes, resource: Resource = span.resource): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: { ...span.attributes, ...extra },
    links: span.links,
    events: span.events,
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
