/**
 * Cost stats JSON (`GET /stats/cost`) -> time-series frames: per pipeline,
 * model or provider and bucket, the cost in USD, with input and output
 * tokens beside it in the tooltip. Buckets without steps are 0 (nothing was
 * spent), so stacked bars stay honest.
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { CostStatsResponse, TimeWindow } from '../api/types';
import { bucketStart, bucketStarts } from './time';

/** What the series of a cost response are named after when a key is empty (steps with no model...). */
export const UNKNOWN_GROUP = '(none)';

/**
 * One frame per group: `Time`, `Cost` (USD), `Input tokens` and `Output tokens` (tooltip only).
 *
 * @example
 * toCostFrames(response, window)[0].name // 'gpt-4o'
 */
export function toCostFrames(response: CostStatsResponse, window: TimeWindow): DataFrame[] {
  const starts = bucketStarts(window, response.intervalSeconds);
  return [...response.series]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((series) => {
      const name = series.key || UNKNOWN_GROUP;
      const byBucket = new Map<number, { cost: number; input: number; output: number }>();
      for (const point of series.points) {
        const bucket = bucketStart(Date.parse(point.time), response.intervalSeconds);
        const sum = byBucket.get(bucket) ?? { cost: 0, input: 0, output: 0 };
        sum.cost += point.costUsd;
        sum.input += point.inputTokens;
        sum.output += point.outputTokens;
        byBucket.set(bucket, sum);
      }
      const hidden = { hideFrom: { viz: true, legend: true, tooltip: false } };
      return createDataFrame({
        name,
        refId: `cost-${name}`,
        fields: [
          { name: 'Time', type: FieldType.time, values: [...starts] },
          {
            name: 'Cost',
            type: FieldType.number,
            values: starts.map((start) => byBucket.get(start)?.cost ?? 0),
            config: { displayName: name, unit: 'currencyUSD', decimals: 4 },
          },
          {
            name: 'Input tokens',
            type: FieldType.number,
            values: starts.map((start) => byBucket.get(start)?.input ?? 0),
            config: { displayName: `${name} input tokens`, decimals: 0, custom: hidden },
          },
          {
            name: 'Output tokens',
            type: FieldType.number,
            values: starts.map((start) => byBucket.get(start)?.output ?? 0),
            config: { displayName: `${name} output tokens`, decimals: 0, custom: hidden },
          },
        ],
      });
    });
}
