/**
 * Failure-rate buckets that adapt to volume. A rate from one or two
 * executions is 0% or 100% and reads as noise (1-minute buckets of a quiet
 * pipeline show only dots at the extremes), so the collector's fine buckets
 * are merged into wider ones until a pipeline's buckets hold, on average,
 * enough executions. Counts add up exactly, so the merged rate is exact
 * (failed / executions of the wider bucket), never an average of rates.
 */
import type { FailureRateResponse, FailureRateSeries } from '../api/types';
import { bucketStart, INTERVAL_STEPS_SECONDS } from './time';

/** Average executions per bucket below which buckets are widened. */
export const MIN_EXECUTIONS_PER_BUCKET = 5;

/**
 * The bucket width for the failure rate: the collector's own width, or the
 * smallest wider step (a multiple of it, so fine buckets nest) at which the
 * busiest pipeline averages at least `minPerBucket` executions per bucket it
 * ran in — but never fewer than `minBuckets` buckets over the window.
 *
 * @example
 * adaptiveIntervalSeconds(response, { fromMillis: 0, toMillis: 3_600_000 }) // 900 for 21 executions in an hour
 */
export function adaptiveIntervalSeconds(
  response: FailureRateResponse,
  window: { fromMillis: number; toMillis: number },
  minPerBucket = MIN_EXECUTIONS_PER_BUCKET,
  minBuckets = 4
): number {
  const base = response.intervalSeconds;
  const spanSeconds = Math.max(1, Math.round((window.toMillis - window.fromMillis) / 1000));
  const candidates = [base, ...INTERVAL_STEPS_SECONDS.filter((step) => step > base && step % base === 0)].filter(
    (step) => step === base || spanSeconds / step >= minBuckets
  );
  const densest = (interval: number) =>
    Math.max(
      0,
      ...response.series.map((series) => {
        const buckets = new Map<number, number>();
        for (const point of series.points) {
          const start = bucketStart(Date.parse(point.time), interval);
          buckets.set(start, (buckets.get(start) ?? 0) + point.executions);
        }
        const total = [...buckets.values()].reduce((a, b) => a + b, 0);
        return buckets.size === 0 ? 0 : total / buckets.size;
      })
    );
  return candidates.find((interval) => densest(interval) >= minPerBucket) ?? candidates[candidates.length - 1];
}

function mergeSeries(series: FailureRateSeries, intervalSeconds: number): FailureRateSeries {
  const merged = new Map<number, { executions: number; failed: number }>();
  for (const point of series.points) {
    const start = bucketStart(Date.parse(point.time), intervalSeconds);
    const sum = merged.get(start) ?? { executions: 0, failed: 0 };
    sum.executions += point.executions;
    sum.failed += point.failed;
    merged.set(start, sum);
  }
  const points = [...merged.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, sum]) => ({
      time: new Date(start).toISOString(),
      executions: sum.executions,
      failed: sum.failed,
      failureRate: sum.executions === 0 ? 0 : sum.failed / sum.executions,
    }));
  return { ...series, points };
}

/**
 * The response re-bucketed to `intervalSeconds` (a multiple of its own), counts summed.
 *
 * @example
 * rebucketFailureRate(response, 900).intervalSeconds // 900
 */
export function rebucketFailureRate(response: FailureRateResponse, intervalSeconds: number): FailureRateResponse {
  if (intervalSeconds === response.intervalSeconds) {
    return response;
  }
  return {
    ...response,
    intervalSeconds,
    series: response.series.map((series) => mergeSeries(series, intervalSeconds)),
  };
}
