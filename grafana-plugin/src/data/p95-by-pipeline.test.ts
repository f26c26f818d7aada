import type { DurationsResponse } from '../api/types';
import { toP95ByPipelineFrames } from './p95-by-pipeline';

const at = (minute: number) => Date.UTC(2026, 0, 1, 10, minute);
const window = { fromMillis: at(0), toMillis: at(3) };

function durations(points: Array<[number, number]>): DurationsResponse {
  return {
    intervalSeconds: 60,
    from: new Date(at(0)).toISOString(),
    to: new Date(at(3)).toISOString(),
    points: points.map(([minute, p95]) => ({
      time: new Date(at(minute)).toISOString(),
      executions: 2,
      p50DurationMs: p95 / 2,
      p95DurationMs: p95,
    })),
  } as DurationsResponse;
}

describe('toP95ByPipelineFrames', () => {
  it('gives each pipeline its own p95 series, gaps where it did not run', () => {
    const frames = toP95ByPipelineFrames(
      [
        {
          pipeline: 'loan',
          durations: durations([
            [0, 120],
            [2, 300],
          ]),
        },
        { pipeline: 'fraud', durations: durations([[1, 40]]) },
      ],
      window
    );
    expect(frames.map((frame) => frame.name)).toEqual(['fraud', 'loan']);
    expect(frames.map((frame) => [frame.fields[1].config.displayName, frame.fields[1].values])).toEqual([
      ['fraud', [null, 40, null]],
      ['loan', [120, null, 300]],
    ]);
    expect(frames[0].fields[0].values).toEqual([at(0), at(1), at(2)]);
  });
});
