/**
 * The SDK's request split against the collector's decoders: every request
 * the SDK makes of an execution too large for one request (by the
 * collector's limit of attribute values, with a byte limit that would let
 * it through) is one the collector's decoders take, in both formats, and
 * the whole execution as one request is one they refuse.
 */
import type { Attributes } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { NO_EVENTS } from '../../../../exporter/src/readable-span.js';
import { testSpan } from '../../../../exporter/test/support/finished-spans.js';
import { splitIntoRequests } from '../../../../exporter/src/split-requests.js';
import { readJsonTraces } from '../../../src/otlp/json-span-reader.js';
import { decodeJsonTraces, decodeProtobufTraces, MAX_ATTRIBUTE_VALUES_PER_REQUEST } from '../../../src/otlp/index.js';

// Three resource attributes, counted once a request by the collector.
const resource = resourceFromAttributes({ 'service.name': 'split-limits', 'deployment.environment.name': 'test', 'host.name': 'h' });

/** Span ids from 1: the collector rejects an all-zero id. */
function span(index: number, attributes: Attributes): ReadableSpan {
  return testSpan(index, attributes, resource, NO_EVENTS, 1);
}

function decodeAll(request: ReadableSpan[]): number[] {
  const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(request)!);
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(request)!);
  let streamed = 0;
  readJsonTraces(json, () => streamed++);
  return [decodeProtobufTraces(protobuf).spans.length, decodeJsonTraces(json).spans.length, streamed];
}

describe('the SDK split against the collector limit of attribute values', () => {
  it('makes requests each decoder takes, of an execution each refuses whole', () => {
    // Two steps (an attribute and its items each) and the root hold exactly the limit; the resource's three pass it.
    const items = (count: number) => Array.from({ length: count }, (_, i) => i);
    const half = MAX_ATTRIBUTE_VALUES_PER_REQUEST / 2;
    const spans = [span(1, { items: items(half - 1) }), span(2, { items: items(half - 2) }), span(0, { 'xray.execution.root': true })];
    expect(() => decodeProtobufTraces(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!))).toThrow(/attribute values/);
    expect(() => decodeJsonTraces(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!))).toThrow(/attribute values/);
    const requests = splitIntoRequests(spans, Number.MAX_SAFE_INTEGER);
    expect(requests.map((request) => request.length)).toEqual([1, 2]);
    expect(requests.map(decodeAll)).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
  });
});
