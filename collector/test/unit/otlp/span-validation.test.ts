import { describe, expect, it } from 'vitest';
import { findSpanProblem, normalizeParentSpanId, type SpanIdentity } from '../../../src/otlp/span-validation.js';

const VALID: SpanIdentity = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '',
  startTimeUnixNano: 1_000n,
  endTimeUnixNano: 2_000n,
};

describe('otlp/span-validation', () => {
  describe('findSpanProblem', () => {
    it('accepts a valid root span, a valid child span and a zero-length span', () => {
      expect(findSpanProblem(VALID)).toBeUndefined();
      expect(findSpanProblem({ ...VALID, parentSpanId: '00f067aa0ba902b7' })).toBeUndefined();
      expect(findSpanProblem({ ...VALID, endTimeUnixNano: VALID.startTimeUnixNano })).toBeUndefined();
    });

    it.each<[string, Partial<SpanIdentity>, string]>([
      ['an empty traceId', { traceId: '' }, 'traceId must be 16 bytes, got 0'],
      ['a short traceId', { traceId: 'ab'.repeat(8) }, 'traceId must be 16 bytes, got 8'],
      ['an all-zero traceId', { traceId: '0'.repeat(32) }, 'traceId is all zeros'],
      ['a traceId that is not hex', { traceId: 'zz'.repeat(16) }, 'traceId is not a hex string'],
      ['a base64 traceId', { traceId: 'CvdlGRbNQ92ESOshHIAxnA==' }, 'traceId is not a hex string'],
      ['an empty spanId', { spanId: '' }, 'spanId must be 8 bytes, got 0'],
      ['a long spanId', { spanId: 'ab'.repeat(16) }, 'spanId must be 8 bytes, got 16'],
      ['an all-zero spanId', { spanId: '0'.repeat(16) }, 'spanId is all zeros'],
      ['a 2-byte parentSpanId', { parentSpanId: 'abcd' }, 'parentSpanId must be empty or 8 bytes, got 2'],
      ['a parentSpanId that is not hex', { parentSpanId: 'xyxyxyxyxyxyxyxy' }, 'parentSpanId is not a hex string'],
      ['a missing start time', { startTimeUnixNano: 0n }, 'startTimeUnixNano is missing'],
      ['an end before the start', { endTimeUnixNano: 999n }, 'endTimeUnixNano is before startTimeUnixNano'],
    ])('rejects %s', (_case, change, problem) => {
      expect(findSpanProblem({ ...VALID, ...change })).toBe(problem);
    });
  });

  describe('normalizeParentSpanId', () => {
    it('turns an all-zero parent into a root marker and leaves others alone', () => {
      expect(normalizeParentSpanId('0'.repeat(16))).toBe('');
      expect(normalizeParentSpanId('')).toBe('');
      expect(normalizeParentSpanId('00f067aa0ba902b7')).toBe('00f067aa0ba902b7');
    });
  });
});
