import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { NO_EVENTS } from '../../src/readable-span.js';
import { testSpan } from '../support/finished-spans.js';
import { XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST, XRAY_MAX_EVENTS_PER_REQUEST } from '../../src/semconv.js';
import { countAttributeValues, estimateSpanBytes, jsonStringBytes, splitIntoRequests } from '../../src/split-requests.js';

const resource = resourceFromAttributes({ 'service.name': 'split-test' });
function span(index: number, attributes: Attributes, events: ReadableSpan['events'] = NO_EVENTS): ReadableSpan {
  return testSpan(index, attributes, resource, events);
}

function encodedBytes(spans: ReadableSpan[]): number {
  return JsonTraceSerializer.serializeRequest(spans)?.byteLength ?? 0;
}

describe('split-requests', () => {
  describe('jsonStringBytes', () => {
    it('counts UTF-8 bytes and JSON escapes', () => {
      expect(jsonStringBytes('abc')).toBe(3);
      expect(jsonStringBytes('"\\')).toBe(4);
      expect(jsonStringBytes('é')).toBe(2);
      expect(jsonStringBytes('\n')).toBe(6);
    });
  });

  describe('estimateSpanBytes', () => {
    it('never underestimates what a span adds to the real OTLP/JSON encoding', () => {
      const base = span(9, {});
      const samples = [
        span(1, {}),
        span(2, { 'input.value': JSON.stringify({ quote: '"'.repeat(500), text: 'é'.repeat(300) }) }),
        span(3, { 'output.value': '😀'.repeat(1000), 'xray.step.status': 'completed', 'gen_ai.usage.input_tokens': 12 } as never),
      ];
      for (const sample of samples) {
        const added = encodedBytes([base, sample]) - encodedBytes([base]);
        expect(estimateSpanBytes(sample)).toBeGreaterThanOrEqual(added);
      }
    });
  });

  describe('splitIntoRequests', () => {
    /** `span(index)` carrying `count` events (an OTel app's spans may carry many: logs as events). */
    function withEvents(index: number, count: number): ReadableSpan {
      const events = Array.from({ length: count }, (_, i) => ({ name: `e${i}`, time: [1_700_000_000, i] as [number, number], attributes: {} }));
      return span(index, {}, events);
    }

    it('keeps each request within the collector\'s limit of span events, in order, root last', () => {
      const spans = [withEvents(1, 40), withEvents(2, 40), withEvents(3, 40), withEvents(0, 1)];
      expect(splitIntoRequests(spans, 64 * 1024 * 1024, 100).map((request) => request.map((s) => s.name))).toEqual([
        ['span-1', 'span-2'],
        ['span-3', 'span-0'],
      ]);
      // A span over the limit alone still goes, alone.
      expect(splitIntoRequests([withEvents(1, 150), withEvents(0, 1)], 64 * 1024 * 1024, 100).map((request) => request.length)).toEqual([1, 1]);
    });

    it(`splits under ${XRAY_MAX_EVENTS_PER_REQUEST} events by default, the collector's limit`, () => {
      const half = XRAY_MAX_EVENTS_PER_REQUEST / 2;
      const spans = [withEvents(1, half), withEvents(2, half), withEvents(0, 1)];
      const requests = splitIntoRequests(spans, Number.MAX_SAFE_INTEGER);
      expect(requests.map((request) => request.reduce((sum, s) => sum + s.events.length, 0))).toEqual([XRAY_MAX_EVENTS_PER_REQUEST, 1]);
    });

    /** A request's attribute values as the collector counts them: its spans' and, once, each resource's. */
    const requestValues = (request: ReadableSpan[]) =>
      request.reduce((sum, s) => sum + countAttributeValues(s), 0) +
      [...new Set(request.map((s) => s.resource))].reduce((sum, r) => sum + Object.keys(r.attributes).length, 0);

    it("keeps each request within the collector's limit of attribute values (an attribute, an array item, events' too, the resource's once)", () => {
      // 1 + 30 items, 1 + 9 items + an event's 5: 31 and 15 values; the root 1; the resource's service.name 1 a request.
      const list = (n: number) => Array.from({ length: n }, (_, i) => i);
      const events = [{ name: 'log', time: [1_700_000_000, 0] as [number, number], attributes: { a: 1, b: 2, c: 3, d: 4, e: 5 } }];
      const spans = [span(1, { list: list(30) }), span(2, { list: list(30) }), span(3, { list: list(9) }, events), span(0, { root: true })];
      const requests = splitIntoRequests(spans, 64 * 1024 * 1024, 100, 63);
      expect(requests.map((request) => request.map((s) => s.name))).toEqual([['span-1', 'span-2'], ['span-3', 'span-0']]);
      expect(requests.map(requestValues)).toEqual([63, 17]);
      // One value fewer and the resource's would pass the limit: the second span goes on.
      expect(splitIntoRequests(spans, 64 * 1024 * 1024, 100, 62).map((request) => request.length)).toEqual([1, 3]);
    });

    it(`splits under ${XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values by default, where the byte limit would let more through`, () => {
      const items = Array.from({ length: XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST / 2 - 1 }, () => 1);
      const spans = [span(1, { items }), span(2, { items }), span(0, { root: true })];
      const requests = splitIntoRequests(spans, Number.MAX_SAFE_INTEGER);
      // The two spans and the resource's one value pass the limit by one: they go apart.
      expect(requests.map(requestValues)).toEqual([XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST / 2 + 1, XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST / 2 + 2]);
      // Under the default 4 MiB the bytes split them first (each value is estimated at 24 bytes or more).
      expect(splitIntoRequests(spans, 4 * 1024 * 1024).length).toBeGreaterThan(2);
    });

    it('keeps a small execution in one request', () => {
      const spans = [span(1, {}), span(2, {}), span(0, {})];
      expect(splitIntoRequests(spans, 1024 * 1024)).toEqual([spans]);
    });

    it('splits a large execution into requests under the limit, in order, root last', () => {
      const steps = Array.from({ length: 40 }, (_, i) => span(i + 1, { 'output.value': JSON.stringify({ rows: 'r"'.repeat(1500) }) }));
      const root = span(0, {});
      const limit = 32 * 1024;
      const requests = splitIntoRequests([...steps, root], limit);
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.flat()).toEqual([...steps, root]);
      expect(requests[requests.length - 1].at(-1)).toBe(root);
      for (const request of requests) expect(encodedBytes(request)).toBeLessThanOrEqual(limit);
    });

    it('sends a span larger than the limit alone', () => {
      const huge = span(1, { 'output.value': 'x'.repeat(50_000) });
      const requests = splitIntoRequests([span(2, {}), huge, span(0, {})], 20_000);
      expect(requests.map((request) => request.length)).toEqual([1, 1, 1]);
    });
  });
});
