import { quantileExact, toDurationFrame, toDurationPoints } from './duration-percentiles';

describe('duration-percentiles', () => {
  describe('quantileExact', () => {
    it('picks the element at floor(level * n) like ClickHouse', () => {
      expect(quantileExact([1, 2, 3, 4], 0.5)).toBe(3);
      expect(quantileExact([1, 2, 3], 0.5)).toBe(2);
      expect(quantileExact([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
      expect(quantileExact([], 0.5)).toBeNaN();
    });
  });

  describe('toDurationPoints', () => {
    it('computes p50/p95 per bucket and leaves empty buckets null', () => {
      const from = Date.UTC(2025, 0, 1);
      const at = (minute: number, durationMs: number) => ({
        startTime: new Date(from + minute * 60_000 + 1).toISOString(),
        durationMs,
      });
      const points = toDurationPoints(
        [at(0, 10), at(0, 30), at(0, 20), at(2, 5)],
        { fromMillis: from, toMillis: from + 180_000 },
        60
      );
      expect(points).toEqual([
        { time: from, executions: 3, p50Ms: 20, p95Ms: 30 },
        { time: from + 60_000, executions: 0, p50Ms: null, p95Ms: null },
        { time: from + 120_000, executions: 1, p50Ms: 5, p95Ms: 5 },
      ]);
      const frame = toDurationFrame(points);
      expect(frame.fields.map((field) => field.name)).toEqual(['Time', 'p50', 'p95']);
      expect(frame.fields[1].config.unit).toBe('ms');
    });
  });
});
