/**
 * p95 execution duration per pipeline: the Overview's overall p50/p95 mixes
 * every pipeline (a slow batch pipeline hides a fast one getting slower), so
 * each pipeline also gets its own p95 series, from its own
 * `GET /stats/durations?pipeline=` answer (the collector's quantileExact).
 */
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import type { DurationsResponse, TimeWindow } from '../api/types';
import { toDurationPoints } from './duration-percentiles';

export interface PipelineDurations {
  pipeline: string;
  durations: DurationsResponse;
}

/**
 * One frame per pipeline (sorted by name): `Time` and `p95` in ms, null where it did not run.
 *
 * @example
 * toP95ByPipelineFrames([{ pipeline: 'loan', durations }], window)[0].fields[1].config.displayName // 'loan'
 */
export function toP95ByPipelineFrames(entries: PipelineDurations[], window: TimeWindow): DataFrame[] {
  return [...entries]
    .sort((a, b) => a.pipeline.localeCompare(b.pipeline))
    .map(({ pipeline, durations }) => {
      const points = toDurationPoints(durations, window);
      return createDataFrame({
        name: pipeline,
        refId: `p95-${pipeline}`,
        fields: [
          { name: 'Time', type: FieldType.time, values: points.map((point) => point.time) },
          {
            name: 'p95',
            type: FieldType.number,
            values: points.map((point) => point.p95Ms),
            config: { displayName: pipeline, unit: 'ms' },
          },
        ],
      });
    });
}
