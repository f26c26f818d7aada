/**
 * p50 and p95 execution duration per bucket, computed from executions. The
 * collector's summary gives them for the whole window only; until it has a
 * per-bucket endpoint, the plugin computes them from listed executions
 * (see api/overview-queries.ts). Percentiles follow ClickHouse's
 * `quantileExact` so client and server numbers agree.
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { ExecutionSummary, TimeWindow } from '../api/types';
import { bucketStart, bucketStarts } from './time';

/**
 * The value at `level` (0..1) of ascending `sorted`, as ClickHouse's
 * `quantileExact` picks it: the element at index floor(level * n).
 *
 * @example
 * quantileExact([1, 2, 3, 4], 0.5) // 3
 */
export function quantileExact(sorted: readonly number[], level: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.floor(level * sorted.length)));
  return sorted[index];
}

export interface DurationPoint {
  time: number;
  executions: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** p50/p95 of the executions starting in each bucket of the window. */
export function toDurationPoints(
  executions: ReadonlyArray<Pick<ExecutionSummary, 'startTime' | 'durationMs'>>,
  window: TimeWindow,
  intervalSeconds: number
): DurationPoint[] {
  const byBucket = new Map<number, number[]>();
  for (const execution of executions) {
    const start = Date.parse(execution.startTime);
    if (!(start >= window.fromMillis && start < window.toMillis)) {
      continue;
    }
    const bucket = bucketStart(start, intervalSeconds);
    const list = byBucket.get(bucket);
    if (list) {
      list.push(execution.durationMs);
    } else {
      byBucket.set(bucket, [execution.durationMs]);
    }
  }
  return bucketStarts(window, intervalSeconds).map((time) => {
    const durations = byBucket.get(time);
    if (!durations) {
      return { time, executions: 0, p50Ms: null, p95Ms: null };
    }
    durations.sort((a, b) => a - b);
    return {
      time,
      executions: durations.length,
      p50Ms: quantileExact(durations, 0.5),
      p95Ms: quantileExact(durations, 0.95),
    };
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
