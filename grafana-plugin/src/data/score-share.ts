/**
 * Score stats JSON (`GET /stats/scores`) -> time-series frames: per pipeline
 * and bucket, the share of scored executions whose latest score of that name
 * has the "wrong" value (for a boolean score `correct`, the share marked
 * `false`), with the count scored beside it in the tooltip. Buckets with no
 * scored execution are gaps, not 0%.
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { ScoreStatsResponse, TimeWindow } from '../api/types';
import { bucketStart, bucketStarts } from './time';

/**
 * One frame per pipeline: `Time`, `Marked wrong` (0..1, `percentunit`) and `Scored` (hidden from
 * the chart, shown in the tooltip).
 *
 * @example
 * toScoreShareFrames(response, window, 'false')[0].fields[1].values // [0.25, null, …]
 */
export function toScoreShareFrames(response: ScoreStatsResponse, window: TimeWindow, wrongValue: string): DataFrame[] {
  const starts = bucketStarts(window, response.intervalSeconds);
  return [...response.series]
    .sort((a, b) => a.pipeline.localeCompare(b.pipeline))
    .map((series) => {
      const share = new Map<number, number>();
      const scored = new Map<number, number>();
      for (const point of series.points) {
        const bucket = bucketStart(Date.parse(point.time), response.intervalSeconds);
        if (point.scored > 0) {
          share.set(bucket, (point.values[wrongValue] ?? 0) / point.scored);
          scored.set(bucket, point.scored);
        }
      }
      return createDataFrame({
        name: series.pipeline,
        refId: `score-share-${series.pipeline}`,
        fields: [
          { name: 'Time', type: FieldType.time, values: [...starts] },
          {
            name: 'Marked wrong',
            type: FieldType.number,
            values: starts.map((start) => share.get(start) ?? null),
            config: { displayName: series.pipeline, unit: 'percentunit', min: 0, max: 1 },
          },
          {
            name: 'Scored',
            type: FieldType.number,
            values: starts.map((start) => scored.get(start) ?? null),
            config: {
              displayName: `${series.pipeline} scored`,
              decimals: 0,
              custom: { hideFrom: { viz: true, legend: true, tooltip: false } },
            },
          },
        ],
      });
    });
}

/** Scored executions and those marked wrong over the whole response. */
export function scoreTotals(response: ScoreStatsResponse, wrongValue: string): { scored: number; wrong: number } {
  let scored = 0;
  let wrong = 0;
  for (const series of response.series) {
    for (const point of series.points) {
      scored += point.scored;
      wrong += point.values[wrongValue] ?? 0;
    }
  }
  return { scored, wrong };
}
