/**
 * Durations API JSON (`GET /stats/durations`: p50/p95 per bucket, computed
 * by the collector with ClickHouse's `quantileExact`) -> a time-series frame.
 * The collector leaves out buckets with no executions; they are filled in as
 * gaps (null), so a quiet period never reads as a duration of zero.
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { DurationsResponse, TimeWindow } from '../api/types';
import { bucketStart, bucketStarts } from './time';

export interface DurationPoint {
  time: number;
  executions: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/**
 * One point per bucket of the window, in order, from the collector's points;
 * null percentiles where no execution started.
 *
 * @example
 * toDurationPoints(response, { fromMillis, toMillis })[0] // { time: fromMillis, executions: 3, p50Ms: 20, p95Ms: 30 }
 */
export function toDurationPoints(response: DurationsResponse, window: TimeWindow): DurationPoint[] {
  const byBucket = new Map<number, DurationsResponse['points'][number]>();
  for (const point of response.points) {
    byBucket.set(bucketStart(Date.parse(point.time), response.intervalSeconds), point);
  }
  return bucketStarts(window, response.intervalSeconds).map((time) => {
    const point = byBucket.get(time);
    if (!point || point.executions === 0) {
      return { time, executions: 0, p50Ms: null, p95Ms: null };
    }
    return { time, executions: point.executions, p50Ms: point.p50DurationMs, p95Ms: point.p95DurationMs };
  });
}

/** The points as a time-series frame with `p50` and `p95` in milliseconds. */
export function toDurationFrame(points: DurationPoint[]): DataFrame {
  return createDataFrame({
    name: 'Duration',
    refId: 'duration-percentiles',
    fields: [
      { name: 'Time', type: FieldType.time, values: points.map((point) => point.time) },
      {
        name: 'p50',
        type: FieldType.number,
        values: points.map((point) => point.p50Ms),
        config: { displayName: 'p50', unit: 'ms', color: { mode: 'fixed', fixedColor: 'blue' } },
      },
      {
        name: 'p95',
        type: FieldType.number,
        values: points.map((point) => point.p95Ms),
        config: { displayName: 'p95', unit: 'ms', color: { mode: 'fixed', fixedColor: 'orange' } },
      },
    ],
  });
}
