import { describe, expect, it } from 'vitest';
import { dateTime64ToNanos, durationMillis, nanosToDateTime64, nanosToIso } from '../../../src/model/time.js';

describe('model/time', () => {
  describe('nanosToDateTime64', () => {
    it('keeps all nine fractional digits exactly', () => {
      expect(nanosToDateTime64(1_732_233_600_123_456_789n)).toBe('2024-11-22 00:00:00.123456789');
      expect(nanosToDateTime64(1_732_233_600_999_999_999n)).toBe('2024-11-22 00:00:00.999999999');
    });

    it('pads a small fraction with leading zeros', () => {
      expect(nanosToDateTime64(1_732_233_600_000_000_001n)).toBe('2024-11-22 00:00:00.000000001');
      expect(nanosToDateTime64(1_732_233_601_000_000_000n)).toBe('2024-11-22 00:00:01.000000000');
    });

    it('is exact where a double would round (beyond 2^53 nanoseconds)', () => {
      const nanos = 1_732_233_600_123_456_789n;
      expect(BigInt(Number(nanos))).not.toBe(nanos); // a double cannot hold it
      expect(nanosToDateTime64(1_732_233_600_123_456_789n).endsWith('.123456789')).toBe(true);
    });

    it('maps the epoch and the first nanosecond after it', () => {
      expect(nanosToDateTime64(0n)).toBe('1970-01-01 00:00:00.000000000');
      expect(nanosToDateTime64(1n)).toBe('1970-01-01 00:00:00.000000001');
    });

    it('maps far-future times up to the largest uint64', () => {
      expect(nanosToDateTime64(4_102_444_800_000_000_000n)).toBe('2100-01-01 00:00:00.000000000');
      expect(nanosToDateTime64(18_446_744_073_709_551_615n)).toBe('2554-07-21 23:34:33.709551615');
    });
  });

  describe('nanosToIso', () => {
    it('turns decimal-string or bigint nanoseconds into ISO 8601 with milliseconds (truncated)', () => {
      expect(nanosToIso('1732233600123456789')).toBe('2024-11-22T00:00:00.123Z');
      expect(nanosToIso(1_732_233_600_999_999_999n)).toBe('2024-11-22T00:00:00.999Z');
    });
  });

  describe('durationMillis', () => {
    it('gives fractional milliseconds', () => {
      expect(durationMillis(1_000_000n, 3_500_000n)).toBe(2.5);
      expect(durationMillis(0n, 1n)).toBe(0.000001);
    });

    it('is never negative: an end before the start, or equal to it, gives 0', () => {
      expect(durationMillis(5_000_000n, 1_000_000n)).toBe(0);
      expect(durationMillis(5_000_000n, 5_000_000n)).toBe(0);
    });
  });

  describe('dateTime64ToNanos', () => {
    it('reads back what nanosToDateTime64 writes, to the nanosecond', () => {
      for (const nanos of [1_732_233_600_123_456_789n, 1_732_233_600_000_000_000n, 1_796_442_425_319_208_740n, 1n]) {
        expect(dateTime64ToNanos(nanosToDateTime64(nanos))).toBe(nanos);
      }
      expect(dateTime64ToNanos('2024-11-22 00:00:00')).toBe(1_732_233_600_000_000_000n);
      expect(dateTime64ToNanos('2024-11-22 00:00:00.5')).toBe(1_732_233_600_500_000_000n);
    });
  });
});
