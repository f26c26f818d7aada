import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../../src/contracts/spans.js';
import { admitSpans, MAX_DAYS_PER_REQUEST, MAX_EXECUTION_ID_CHARS } from '../../../src/model/span-admission.js';

const NOW = BigInt(Date.UTC(2026, 11, 2, 12)) * 1_000_000n;
const SECOND = 1_000_000_000n;
const DAY = 86_400n * SECOND;
const OPTIONS = { retentionDays: 30, maxFutureSkewSeconds: 300 };

let nextId = 1;
function span(overrides: Partial<DecodedSpan> = {}): DecodedSpan {
  const id = (nextId++).toString(16).padStart(16, '0');
  return {
    traceId: 'ab'.repeat(16),
    spanId: id,
    parentSpanId: '',
    name: 'step',
    kind: 0,
    startTimeUnixNano: NOW - SECOND,
    endTimeUnixNano: NOW,
    attributes: {},
    events: [],
    status: { code: 0, message: '' },
    resource: {},
    scope: { name: '', version: '' },
    ...overrides,
  };
}

describe('model/span-admission', () => {
  describe('admitSpans', () => {
    it('keeps spans inside the retention window and the allowed skew, returning the same array when all pass', () => {
      const spans = [span(), span({ startTimeUnixNano: NOW - 29n * DAY, endTimeUnixNano: NOW - 29n * DAY }), span({ endTimeUnixNano: NOW + 299n * SECOND })];
      const admitted = admitSpans(spans, NOW, OPTIONS);
      expect(admitted).toEqual({ spans, rejectedSpans: 0, rejectionMessages: [] });
      expect(admitted.spans).toBe(spans);
    });

    it('rejects a span older than the retention, naming the span and the reason', () => {
      const old = span({ name: 'old', startTimeUnixNano: NOW - 31n * DAY, endTimeUnixNano: NOW - 31n * DAY });
      const admitted = admitSpans([span(), old], NOW, OPTIONS);
      expect(admitted.spans).toHaveLength(1);
      expect(admitted.rejectedSpans).toBe(1);
      expect(admitted.rejectionMessages[0]).toBe(
        `span ${old.spanId} ("old"): startTimeUnixNano 2026-11-01T12:00:00.000Z is older than the 30-day retention`,
      );
    });

    it('rejects a span ending further in the future than the skew allows', () => {
      const admitted = admitSpans([span({ endTimeUnixNano: NOW + 301n * SECOND })], NOW, OPTIONS);
      expect(admitted.rejectedSpans).toBe(1);
      expect(admitted.rejectionMessages[0]).toContain('is more than 300 s in the future');
    });

    it('rejects a span dated 2200 or near 2^64 nanoseconds even with a huge skew, beyond the last storable day', () => {
      const year2200 = BigInt(Date.UTC(2200, 0, 1)) * 1_000_000n;
      const huge = 2n ** 64n - 1n;
      const admitted = admitSpans(
        [span({ startTimeUnixNano: year2200, endTimeUnixNano: year2200 }), span({ startTimeUnixNano: huge - 1n, endTimeUnixNano: huge })],
        NOW,
        { retentionDays: 30, maxFutureSkewSeconds: 1_000_000_000 },
      );
      expect(admitted.spans).toEqual([]);
      expect(admitted.rejectionMessages[0]).toContain('2200-01-01T00:00:00.000Z is beyond the last storable day (2149-06-06)');
      expect(admitted.rejectionMessages[1]).toContain('2554-07-21T23:34:33.709Z is beyond the last storable day');
    });

    it('keeps a span on 1970-01-01, the first day a partition holds, when the retention reaches back that far', () => {
      const admitted = admitSpans([span({ startTimeUnixNano: 0n, endTimeUnixNano: 1n })], NOW, { ...OPTIONS, retentionDays: 36_500 });
      expect(admitted.spans).toHaveLength(1); // 1970-01-01 is the first day a Date partition holds
    });

    it.each([
      ['the span name', { name: 'a\ud800b' }],
      ['the status message', { status: { code: 2, message: '\udc00' } }],
      ['an attribute key', { attributes: { '\ud800': 'x' } }],
      ['an attribute value', { attributes: { k: 'x\udfff' } }],
      ['a value nested in a kvlist in an array', { attributes: { k: [1, { deep: ['\ud83d'] }] } }],
      ['an event name', { events: [{ name: '\ud800', timeUnixNano: NOW, attributes: {} }] }],
      ['an event attribute', { events: [{ name: 'e', timeUnixNano: NOW, attributes: { k: '\ud800' } }] }],
      ['the scope name', { scope: { name: '\ud800', version: '' } }],
      ['a resource attribute', { resource: { 'service.name': '\udbff' } }],
    ] as const)('rejects a span with a lone surrogate in %s', (_where, overrides) => {
      const admitted = admitSpans([span(overrides as Partial<DecodedSpan>), span()], NOW, OPTIONS);
      expect(admitted.spans).toHaveLength(1);
      expect(admitted.rejectionMessages[0]).toContain('lone UTF-16 surrogate');
    });

    it('keeps text with well-formed surrogate pairs (emoji)', () => {
      const admitted = admitSpans([span({ name: '😀', attributes: { '🔑': ['🎉'] } })], NOW, OPTIONS);
      expect(admitted.rejectedSpans).toBe(0);
    });

    it('rejects an execution id longer than the query API reads', () => {
      const long = 'x'.repeat(MAX_EXECUTION_ID_CHARS + 1);
      const admitted = admitSpans([span({ attributes: { 'xray.execution.id': long } }), span({ attributes: { 'xray.execution.id': 'x'.repeat(256) } })], NOW, OPTIONS);
      expect(admitted.spans).toHaveLength(1);
      expect(admitted.rejectionMessages[0]).toContain('xray.execution.id is 257 characters long (at most 256)');
    });

    it(`keeps spans on the first ${MAX_DAYS_PER_REQUEST} distinct days of a request and rejects those on further days`, () => {
      const onDay = (day: number) => span({ startTimeUnixNano: NOW - BigInt(day) * DAY, endTimeUnixNano: NOW - BigInt(day) * DAY + 1n });
      const spans = [...Array.from({ length: 15 }, (_, day) => onDay(day)), onDay(3), onDay(12)];
      const admitted = admitSpans(spans, NOW, OPTIONS);
      expect(admitted.spans).toEqual([...spans.slice(0, MAX_DAYS_PER_REQUEST), spans[15]]);
      expect(admitted.rejectedSpans).toBe(6);
      expect(admitted.rejectionMessages[0]).toContain(`start on more than ${MAX_DAYS_PER_REQUEST} distinct days`);
    });

    it('counts every rejection but keeps only the first five reasons', () => {
      const spans = Array.from({ length: 8 }, () => span({ startTimeUnixNano: 1n, endTimeUnixNano: 1n }));
      const admitted = admitSpans(spans, NOW, OPTIONS);
      expect(admitted.rejectedSpans).toBe(8);
      expect(admitted.rejectionMessages).toHaveLength(5);
    });
  });
});
