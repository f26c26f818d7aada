import type { ScoreStatsResponse } from '../api/types';
import { scoreTotals, toScoreShareFrames } from './score-share';

const window = { fromMillis: Date.UTC(2025, 0, 1, 0, 0), toMillis: Date.UTC(2025, 0, 1, 0, 3) };
const response: ScoreStatsResponse = {
  name: 'correct',
  intervalSeconds: 60,
  from: '2025-01-01T00:00:00.000Z',
  to: '2025-01-01T00:03:00.000Z',
  series: [
    {
      pipeline: 'loan-approval',
      points: [
        { time: '2025-01-01T00:00:00.000Z', scored: 4, average: 0.75, values: { true: 3, false: 1 } },
        { time: '2025-01-01T00:02:00.000Z', scored: 2, average: 1, values: { true: 2 } },
      ],
    },
    {
      pipeline: 'fraud-check',
      points: [{ time: '2025-01-01T00:01:00.000Z', scored: 1, average: 0, values: { false: 1 } }],
    },
  ],
};

describe('score-share', () => {
  it('gives per pipeline the share marked wrong per bucket, gaps where nothing was scored', () => {
    const frames = toScoreShareFrames(response, window, 'false');
    expect(frames.map((frame) => frame.name)).toEqual(['fraud-check', 'loan-approval']);
    const loan = frames[1];
    expect(loan.fields[0].values).toEqual([window.fromMillis, window.fromMillis + 60_000, window.fromMillis + 120_000]);
    expect(loan.fields[1].values).toEqual([0.25, null, 0]);
    expect(loan.fields[1].config.unit).toBe('percentunit');
    expect(loan.fields[2].values).toEqual([4, null, 2]);
    expect(frames[0].fields[1].values).toEqual([null, 1, null]);
  });

  it('counts scored and wrong over the whole response', () => {
    expect(scoreTotals(response, 'false')).toEqual({ scored: 7, wrong: 2 });
    expect(scoreTotals(response, 'true')).toEqual({ scored: 7, wrong: 5 });
  });
});
