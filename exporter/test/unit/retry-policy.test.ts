import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfterMillis, retryDelayMillis } from '../../src/retry-policy.js';

describe('retry-policy', () => {
  describe('retryDelayMillis', () => {
    it('never shortens Retry-After and stretches it by up to half', () => {
      expect(retryDelayMillis(1, 2000, () => 0)).toBe(2000);
      expect(retryDelayMillis(1, 2000, () => 0.999999)).toBeCloseTo(3000, 0);
    });

    it('backs off exponentially with ±20 % jitter when there is no Retry-After, capped at 5 s', () => {
      expect(retryDelayMillis(1, undefined, () => 0.5)).toBe(1000);
      expect(retryDelayMillis(2, undefined, () => 0)).toBe(1500 * 0.8);
      expect(retryDelayMillis(2, undefined, () => 1)).toBe(1500 * 1.2);
      expect(retryDelayMillis(10, undefined, () => 0.5)).toBe(5000);
    });
  });

  describe('parseRetryAfterMillis', () => {
    it('reads seconds and HTTP dates, and ignores garbage', () => {
      expect(parseRetryAfterMillis('2', 0)).toBe(2000);
      expect(parseRetryAfterMillis('Thu, 01 Jan 1970 00:00:05 GMT', 1000)).toBe(4000);
      expect(parseRetryAfterMillis('soon', 0)).toBeUndefined();
      expect(parseRetryAfterMillis(undefined, 0)).toBeUndefined();
    });
  });

  describe('isRetryableStatus', () => {
    it('retries only what OTLP/HTTP allows', () => {
      expect([400, 401, 413, 429, 500, 502, 503, 504].filter(isRetryableStatus)).toEqual([429, 502, 503, 504]);
    });
  });
});
