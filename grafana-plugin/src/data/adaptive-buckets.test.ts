import type { FailureRateResponse } from '../api/types';
import { adaptiveIntervalSeconds, rebucketFailureRate } from './adaptive-buckets';

const HOUR = 3_600_000;
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 10, n)).toISOString();
const window = { fromMillis: Date.UTC(2026, 0, 1, 10, 0), toMillis: Date.UTC(2026, 0, 1, 10, 0) + HOUR };

function response(points: Array<[number, number, number]>, pipeline = 'loan'): FailureRateResponse {
  return {
    intervalSeconds: 60,
    from: minute(0),
    to: minute(60),
    series: [
      {
        pipeline,
        points: points.map(([m, executions, failed]) => ({
          time: minute(m),
          executions,
          failed,
          failureRate: failed / executions,
        })),
      },
    ],
  };
}

describe('adaptive failure-rate buckets', () => {
  it('keeps the collector’s buckets when they already hold enough executions', () => {
    const busy = response(Array.from({ length: 60 }, (_, m) => [m, 20, 1] as [number, number, number]));
    expect(adaptiveIntervalSeconds(busy, window)).toBe(60);
    expect(rebucketFailureRate(busy, 60)).toBe(busy);
  });

  it('widens sparse buckets until they average enough executions, summing counts exactly', () => {
    // 7 executions in the hour, one or two a minute: 1-minute rates would be only 0% or 100%.
    const sparse = response([
      [1, 1, 1],
      [2, 2, 0],
      [14, 1, 0],
      [16, 1, 1],
      [31, 2, 1],
    ]);
    // At least 3 a bucket, at least 2 buckets: 15-minute buckets hold 4, 1 and 2 (2.3 on average),
    // 30-minute buckets 5 and 2 (3.5).
    const interval = adaptiveIntervalSeconds(sparse, window, 3, 2);
    expect(interval).toBe(1800);
    const merged = rebucketFailureRate(sparse, interval).series[0].points;
    expect(merged.map((p) => [p.time, p.executions, p.failed, p.failureRate])).toEqual([
      [minute(0), 5, 2, 0.4],
      [minute(30), 2, 1, 0.5],
    ]);
  });

  it('never widens past a few buckets over the window', () => {
    const tiny = response([[5, 1, 1]]);
    // One execution can never average 5 per bucket: the widest step leaving 4 buckets in the hour wins.
    expect(adaptiveIntervalSeconds(tiny, window)).toBe(900);
  });
});
