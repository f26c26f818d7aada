/**
 * Splits one execution's spans into export calls that each stay under
 * `maxRequestBytes`. One export call is one HTTP request, so normally an
 * execution is one request; only an execution too large for the collector's
 * body limit is sent as several requests, all with the same trace id. The
 * root span goes in the last request, so a collector that sees the root has
 * already been sent every step.
 *
 * Sizes are estimates of the OTLP/JSON encoding (the format the HTTP exporter
 * sends), erring high: UTF-8 bytes plus JSON escaping plus a fixed cost per
 * attribute and per span.
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST, XRAY_MAX_EVENTS_PER_REQUEST } from './semconv.js';

/** Resource, scope and the request's own JSON braces. */
const ENVELOPE_BYTES = 2048;
/** Ids, timestamps, kind, status and the keys that name them. */
const SPAN_OVERHEAD_BYTES = 400;
/** `{"key":"","value":{"stringValue":""}}` */
const ATTRIBUTE_OVERHEAD_BYTES = 40;
const EVENT_OVERHEAD_BYTES = 120;

/**
 * The fewest bytes the estimate below gives one attribute value (an array
 * item; an attribute is more): under a budget that holds no more values
 * than the collector's limit, the bytes bound the values and they need no
 * count.
 */
const MIN_VALUE_BYTES = 24;

/**
 * Groups `spans` (root last) into requests under `maxRequestBytes`, of at
 * most `maxEvents` span events and `maxAttributeValues` attribute values
 * (the collector's limits), keeping their order. A single span larger than
 * any limit still goes, alone.
 */
export function splitIntoRequests(
  spans: ReadableSpan[],
  maxRequestBytes: number,
  maxEvents: number = XRAY_MAX_EVENTS_PER_REQUEST,
  maxAttributeValues: number = XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST,
): ReadableSpan[][] {
  const budget = Math.max(1, maxRequestBytes - ENVELOPE_BYTES);
  // Counted only when the bytes do not bound them; a request's resource counts once, as the collector counts it.
  const valueCounts = budget / MIN_VALUE_BYTES > maxAttributeValues ? spans.map(countAttributeValues) : undefined;
  const resourceValues = new Map<Resource, number>();
  const resourceCount = (span: ReadableSpan): number => {
    let count = resourceValues.get(span.resource);
    if (count === undefined) resourceValues.set(span.resource, (count = countValues(span.resource.attributes)));
    return count;
  };
  let values = 0;
  if (valueCounts !== undefined) {
    for (const count of valueCounts) values += count;
    for (const span of spans) if (!resourceValues.has(span.resource)) values += resourceCount(span);
  }
  let bound = 0;
  let events = 0;
  for (const span of spans) {
    bound += estimateSpanBytes(span, worstCaseStringBytes);
    events += span.events.length;
  }
  const withinCounts = events <= maxEvents && values <= maxAttributeValues;
  if (bound <= budget && withinCounts) return [spans];
  const sizes = spans.map((span) => estimateSpanBytes(span));
  let total = 0;
  for (const size of sizes) total += size;
  if (total <= budget && withinCounts) return [spans];

  const requests: ReadableSpan[][] = [];
  let current: ReadableSpan[] = [];
  let currentBytes = 0;
  let currentEvents = 0;
  let currentValues = 0;
  const currentResources = new Set<Resource>();
  // A span's values in the current request: its own, and its resource's if it is the first of that resource there.
  const valuesIn = (i: number): number =>
    valueCounts === undefined ? 0 : valueCounts[i] + (currentResources.has(spans[i].resource) ? 0 : resourceCount(spans[i]));
  for (let i = 0; i < spans.length; i++) {
    const spanEvents = spans[i].events.length;
    let spanValues = valuesIn(i);
    if (
      current.length > 0 &&
      (currentBytes + sizes[i] > budget || currentEvents + spanEvents > maxEvents || currentValues + spanValues > maxAttributeValues)
    ) {
      requests.push(current);
      current = [];
      currentBytes = 0;
      currentEvents = 0;
      currentValues = 0;
      currentResources.clear();
      spanValues = valuesIn(i);
    }
    current.push(spans[i]);
    currentBytes += sizes[i];
    currentEvents += spanEvents;
    currentValues += spanValues;
    currentResources.add(spans[i].resource);
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** The attribute values of a span as the collector counts them: an attribute, an array item (its own and its events'; its resource's count once a request). */
export function countAttributeValues(span: ReadableSpan): number {
  let count = countValues(span.attributes);
  for (const event of span.events) if (event.attributes !== undefined) count += countValues(event.attributes);
  return count;
}

function countValues(attributes: Attributes): number {
  let count = 0;
  for (const key in attributes) {
    const value = attributes[key];
    count += Array.isArray(value) ? 1 + value.length : 1;
  }
  return count;
}

/** Estimated OTLP/JSON bytes of one span. */
export function estimateSpanBytes(span: ReadableSpan, stringBytes: (text: string) => number = jsonStringBytes): number {
  let bytes = SPAN_OVERHEAD_BYTES + stringBytes(span.name) + estimateAttributesBytes(span.attributes, stringBytes);
  if (span.status.message !== undefined) bytes += stringBytes(span.status.message);
  for (const event of span.events) {
    bytes += EVENT_OVERHEAD_BYTES + stringBytes(event.name);
    if (event.attributes !== undefined) bytes += estimateAttributesBytes(event.attributes, stringBytes);
  }
  bytes += span.links.length * SPAN_OVERHEAD_BYTES;
  return bytes;
}

function estimateAttributesBytes(attributes: Attributes, stringBytes: (text: string) => number): number {
  let bytes = 0;
  for (const key in attributes) {
    bytes += ATTRIBUTE_OVERHEAD_BYTES + stringBytes(key) + estimateValueBytes(attributes[key], stringBytes);
  }
  return bytes;
}

function estimateValueBytes(value: AttributeValue | undefined, stringBytes: (text: string) => number): number {
  if (typeof value === 'string') return stringBytes(value);
  if (Array.isArray(value)) {
    let bytes = 24;
    for (const item of value) bytes += 24 + (typeof item === 'string' ? stringBytes(item) : 24);
    return bytes;
  }
  return 24;
}

function worstCaseStringBytes(text: string): number {
  return text.length * 6;
}

/** UTF-8 bytes of `text` once escaped inside a JSON string. */
export function jsonStringBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2; // \" and \\
    else if (code < 0x20) bytes += 6; // \u00XX (worst case)
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else bytes += 3; // surrogate halves count 3 each: 6 for a 4-byte character, an overestimate
  }
  return bytes;
}
