import type { DurationsResponse } from '../api/types';
import { toDurationFrame, toDurationPoints } from './duration-percentiles';

describe('duration-percentiles', () => {
  const from = Date.UTC(2025, 0, 1);
  const window = { fromMillis: from, toMillis: from + 180_000 };
  const point = (minute: number, executions: number, p50DurationMs: number, p95DurationMs: number) => ({
    time: new Date(from + minute * 60_000).toISOString(),
    executions,
    avgDurationMs: (p50DurationMs + p95DurationMs) / 2,
    p50DurationMs,
    p95DurationMs,
  });
  const response = (points: DurationsResponse['points'], intervalSeconds = 60): DurationsResponse => ({
    intervalSeconds,
    from: new Date(window.fromMillis).toISOString(),
    to: new Date(window.toMillis).toISOString(),
    points,
  });

  describe('toDurationPoints', () => {
    it('takes p50/p95 from the collector and fills the buckets it left out with nulls', () => {
      const points = toDurationPoints(response([point(0, 3, 20, 30), point(2, 1, 5, 5)]), window);
      expect(points).toEqual([
        { time: from, executions: 3, p50Ms: 20, p95Ms: 30 },
        { time: from + 60_000, executions: 0, p50Ms: null, p95Ms: null },
        { time: from + 120_000, executions: 1, p50Ms: 5, p95Ms: 5 },
      ]);
    });

    it('uses the interval the collector answered with, and starts at the bucket holding `from`', () => {
      const points = toDurationPoints(response([point(0, 2, 7, 9)], 300), {
        fromMillis: from + 30_000,
        toMillis: from + 600_000,
      });
      expect(points.map((p) => p.time)).toEqual([from, from + 300_000]);
      expect(points[0]).toMatchObject({ executions: 2, p50Ms: 7, p95Ms: 9 });
      expect(points[1]).toMatchObject({ executions: 0, p50Ms: null });
    });

    it('shows a bucket reported with no executions as a gap, not as zero', () => {
      expect(toDurationPoints(response([point(1, 0, 0, 0)]), window)[1]).toEqual({
        time: from + 60_000,
        executions: 0,
        p50Ms: null,
        p95Ms: null,
      });
    });
  });

  describe('toDurationFrame', () => {
    it('makes a Time / p50 / p95 frame in milliseconds', () => {
      const frame = toDurationFrame(toDurationPoints(response([point(0, 3, 20, 30)]), window));
      expect(frame.fields.map((field) => field.name)).toEqual(['Time', 'p50', 'p95']);
      expect(frame.fields[1].values).toEqual([20, null, null]);
      expect(frame.fields[2].values).toEqual([30, null, null]);
      expect(frame.fields[1].config.unit).toBe('ms');
    });
  });
});
