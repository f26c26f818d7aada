/**
 * Both decoders reject invalid spans one by one and keep the rest of the
 * request (OTLP partial success). The invalid spans are made by the official
 * serializers from SDK spans with a broken field.
 */
import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  decodeJsonTraces,
  decodeProtobufTraces,
  MAX_REJECTION_MESSAGES,
  type DecodeResult,
} from '../../../src/otlp/index.js';
import { bySpanId, expectedSpan, recordSpans, toJsonText, toProtobuf, withOverrides } from './fixtures.js';

function withTraceId(span: ReadableSpan, traceId: string): ReadableSpan {
  const context = { ...span.spanContext(), traceId };
  return withOverrides(span, { spanContext: () => context });
}

const decoders: Array<[string, (spans: ReadableSpan[]) => DecodeResult]> = [
  ['decodeProtobufTraces', (spans) => decodeProtobufTraces(toProtobuf(spans))],
  ['decodeJsonTraces', (spans) => decodeJsonTraces(toJsonText(spans))],
];

describe('otlp decoders', () => {
  describe.each(decoders)('%s', (_name, decode) => {
    it('rejects a span with an all-zero trace id and keeps the valid spans next to it', () => {
      const [bad, ...good] = recordSpans();

      const result = decode([withTraceId(bad, '0'.repeat(32)), ...good]);

      expect(result.rejectedSpans).toBe(1);
      expect(result.rejectionMessages).toEqual([
        expect.stringMatching(/^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\] \("step\.filter"\): traceId is all zeros$/),
      ]);
      expect(bySpanId(result.spans)).toEqual(bySpanId(good.map(expectedSpan)));
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['ends before it starts', { endTime: [1_600_000_000, 0] }, 'endTimeUnixNano is before startTimeUnixNano'],
      ['has a 2-byte parent id', { parentSpanContext: { spanId: 'abcd', traceId: 'ab'.repeat(16), traceFlags: 1 } }, 'parentSpanId must be empty or 8 bytes, got 2'],
    ])('rejects a span that %s', (_case, overrides, problem) => {
      const [bad, ...good] = recordSpans();

      const result = decode([withOverrides(bad, overrides), ...good]);

      expect(result.rejectedSpans).toBe(1);
      expect(result.rejectionMessages[0]).toContain(problem);
      expect(result.spans).toHaveLength(good.length);
    });

    it(`counts every rejected span but keeps only ${MAX_REJECTION_MESSAGES} messages`, () => {
      const [template, ...good] = recordSpans();
      const bad = Array.from({ length: 12 }, () => withTraceId(template, ''.padEnd(32, '0')));

      const result = decode([...bad, ...good]);

      expect(result.rejectedSpans).toBe(12);
      expect(result.rejectionMessages).toHaveLength(MAX_REJECTION_MESSAGES);
      expect(result.spans).toHaveLength(good.length);
    });
  });
});
