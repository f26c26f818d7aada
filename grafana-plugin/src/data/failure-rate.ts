/**
 * Failure-rate API JSON -> time-series data frames: the failure rate of each
 * pipeline per bucket, and executions per bucket (all pipelines, completed
 * and failed stacked). Buckets with no executions are filled in, so a quiet
 * period shows as a gap in the rate and as zero in the counts.
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { FailureRateResponse, TimeWindow } from '../api/types';
import { bucketStart, bucketStarts } from './time';

/** Totals over the whole response. */
export function failureTotals(response: FailureRateResponse): { executions: number; failed: number } {
  let executions = 0;
  let failed = 0;
  for (const series of response.series) {
    for (const point of series.points) {
      executions += point.executions;
      failed += point.failed;
    }
  }
  return { executions, failed };
}

/**
 * One frame per pipeline: `Time` and `Failure rate` (0..1, `percentunit`),
 * null in buckets where the pipeline did not run.
 *
 * @example
 * toFailureRateFrames(response, { fromMillis, toMillis })[0].fields[1].config.displayName // 'loan-approval'
 */
export function toFailureRateFrames(response: FailureRateResponse, window: TimeWindow): DataFrame[] {
  const starts = bucketStarts(window, response.intervalSeconds);
  return [...response.series]
    .sort((a, b) => a.pipeline.localeCompare(b.pipeline))
    .map((series) => {
      const rateByBucket = new Map<number, number>();
      const countByBucket = new Map<number, number>();
      for (const point of series.points) {
        const bucket = bucketStart(Date.parse(point.time), response.intervalSeconds);
        rateByBucket.set(bucket, point.executions === 0 ? 0 : point.failed / point.executions);
        countByBucket.set(bucket, point.executions);
      }
      return createDataFrame({
        name: series.pipeline,
        refId: `failure-rate-${series.pipeline}`,
        // The bucket width the rates were computed over (see adaptive-buckets.ts).
        meta: { custom: { intervalSeconds: response.intervalSeconds } },
        fields: [
          // Each frame gets its own copy: renderers may align or mutate time values in place.
          { name: 'Time', type: FieldType.time, values: [...starts] },
          {
            name: 'Failure rate',
            type: FieldType.number,
            values: starts.map((start) => rateByBucket.get(start) ?? null),
            config: { displayName: series.pipeline, unit: 'percentunit', min: 0, max: 1 },
          },
          {
            // The rate's volume: not drawn, shown beside the rate in the tooltip.
            name: 'Executions',
            type: FieldType.number,
            values: starts.map((start) => countByBucket.get(start) ?? null),
            config: {
              displayName: `${series.pipeline} executions`,
              decimals: 0,
              custom: { hideFrom: { viz: true, legend: true, tooltip: false } },
            },
          },
        ],
      });
    });
}

/**
 * Executions per bucket over all pipelines, split into `Completed` and
 * `Failed` (green and red, for stacked bars).
 */
export function toExecutionsPerIntervalFrame(response: FailureRateResponse, window: TimeWindow): DataFrame {
  const starts = bucketStarts(window, response.intervalSeconds);
  const total = new Map<number, { executions: number; failed: number }>();
  for (const series of response.series) {
    for (const point of series.points) {
      const bucket = bucketStart(Date.parse(point.time), response.intervalSeconds);
      const sum = total.get(bucket) ?? { executions: 0, failed: 0 };
      sum.executions += point.executions;
      sum.failed += point.failed;
      total.set(bucket, sum);
    }
  }
  return createDataFrame({
    name: 'Executions',
    refId: 'executions-per-interval',
    fields: [
      { name: 'Time', type: FieldType.time, values: starts },
      {
        name: 'Completed',
        type: FieldType.number,
        values: starts.map((start) => {
          const sum = total.get(start);
          return sum ? sum.executions - sum.failed : 0;
        }),
        // Counts: decimals 0 keeps the axis from ticking at 0.5.
        config: { displayName: 'Completed', unit: 'short', decimals: 0, color: { mode: 'fixed', fixedColor: 'green' } },
      },
      {
        name: 'Failed',
        type: FieldType.number,
        values: starts.map((start) => total.get(start)?.failed ?? 0),
        config: { displayName: 'Failed', unit: 'short', decimals: 0, color: { mode: 'fixed', fixedColor: 'red' } },
      },
    ],
  });
}
