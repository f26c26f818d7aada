import { bucketStart, bucketStarts, chooseIntervalSeconds, formatDurationMs, nanosToMillis } from './time';

describe('time', () => {
  describe('nanosToMillis', () => {
    it('keeps microsecond precision of epoch nanoseconds', () => {
      expect(nanosToMillis('1700000000123456789')).toBeCloseTo(1700000000123.4568, 3);
    });
    it('handles short values and rejects junk', () => {
      expect(nanosToMillis('5000000')).toBe(5);
      expect(nanosToMillis('abc')).toBeNaN();
    });
  });

  describe('chooseIntervalSeconds', () => {
    it('picks the collector step giving about 60 buckets', () => {
      expect(chooseIntervalSeconds({ fromMillis: 0, toMillis: 3_600_000 })).toBe(60);
      expect(chooseIntervalSeconds({ fromMillis: 0, toMillis: 86_400_000 })).toBe(1800);
      expect(chooseIntervalSeconds({ fromMillis: 0, toMillis: 7 * 86_400_000 })).toBe(10800);
    });

    it('keeps 1-minute buckets for an hour that resolved a millisecond long (regression: flaky 5-minute buckets)', () => {
      expect(chooseIntervalSeconds({ fromMillis: 0, toMillis: 3_600_001 })).toBe(60);
      expect(chooseIntervalSeconds({ fromMillis: 0, toMillis: 3_601_000 })).toBe(300);
    });
  });

  describe('bucketStarts', () => {
    it('aligns buckets to multiples of the interval since the epoch', () => {
      expect(bucketStart(125_000, 60)).toBe(120_000);
      expect(bucketStarts({ fromMillis: 125_000, toMillis: 300_000 }, 60)).toEqual([120_000, 180_000, 240_000]);
    });
  });

  describe('formatDurationMs', () => {
    it.each([
      [0.42, '0.42 ms'],
      [850, '850 ms'],
      [1240, '1.24 s'],
      [123_000, '2m 3s'],
      [3_900_000, '1h 5m'],
    ])('formats %p as %p', (ms, text) => expect(formatDurationMs(ms)).toBe(text));
  });
});
