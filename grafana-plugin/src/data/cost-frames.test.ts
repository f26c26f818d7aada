import type { CostStatsResponse } from '../api/types';
import { toCostFrames, UNKNOWN_GROUP } from './cost-frames';

function usage(inputTokens: number, outputTokens: number, costUsd: number) {
  return { inputTokens, outputTokens, costUsd, estimatedCostUsd: 0, steps: 1 };
}

const window = { fromMillis: Date.UTC(2025, 0, 1, 0, 0), toMillis: Date.UTC(2025, 0, 1, 0, 2) };
const response: CostStatsResponse = {
  intervalSeconds: 60,
  from: '2025-01-01T00:00:00.000Z',
  to: '2025-01-01T00:02:00.000Z',
  groupBy: 'model',
  totals: usage(1200, 300, 0.0105),
  series: [
    {
      key: 'gpt-4o',
      totals: usage(1200, 300, 0.0105),
      points: [{ time: '2025-01-01T00:01:00.000Z', ...usage(1200, 300, 0.0105) }],
    },
    { key: '', totals: usage(0, 0, 0), points: [{ time: '2025-01-01T00:00:00.000Z', ...usage(0, 0, 0) }] },
  ],
};

describe('cost-frames', () => {
  it('gives one frame per group with cost per bucket (0 where nothing ran) and tokens for the tooltip', () => {
    const frames = toCostFrames(response, window);
    expect(frames.map((frame) => frame.name)).toEqual([UNKNOWN_GROUP, 'gpt-4o']);
    const gpt = frames[1];
    expect(gpt.fields.map((field) => field.name)).toEqual(['Time', 'Cost', 'Input tokens', 'Output tokens']);
    expect(gpt.fields[1].values).toEqual([0, 0.0105]);
    expect(gpt.fields[1].config.unit).toBe('currencyUSD');
    expect(gpt.fields[2].values).toEqual([0, 1200]);
    expect(gpt.fields[3].values).toEqual([0, 300]);
  });
});
