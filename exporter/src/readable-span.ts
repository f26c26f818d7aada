/**
 * Hand-built `ReadableSpan`s. The SDK knows every step's real start and end
 * only after the fact, so it builds finished spans directly instead of driving
 * a tracer; the OTLP exporter only reads these fields.
 */
import { SpanKind, TraceFlags, type Attributes, type HrTime, type SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** Everything needed to describe one finished span. */
export interface SpanFields {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly attributes: Attributes;
  readonly status: SpanStatus;
  readonly events: TimedEvent[];
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
}

/** Creates a finished, sampled, INTERNAL span from `fields`. */
export function createReadableSpan(fields: SpanFields): ReadableSpan {
  const spanContext = { traceId: fields.traceId, spanId: fields.spanId, traceFlags: TraceFlags.SAMPLED };
  const parentSpanContext =
    fields.parentSpanId === undefined
      ? undefined
      : { traceId: fields.traceId, spanId: fields.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  return {
    name: fields.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanContext,
    startTime: fields.startTime,
    endTime: fields.endTime,
    duration: fields.duration,
    status: fields.status,
    attributes: fields.attributes,
    links: [],
    events: fields.events,
    ended: true,
    resource: fields.resource,
    instrumentationScope: fields.instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
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
