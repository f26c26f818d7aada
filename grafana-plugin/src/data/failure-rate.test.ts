import type { FailureRateResponse } from '../api/types';
import { failureTotals, toExecutionsPerIntervalFrame, toFailureRateFrames } from './failure-rate';

const window = { fromMillis: Date.UTC(2025, 0, 1, 0, 0), toMillis: Date.UTC(2025, 0, 1, 0, 3) };
const response: FailureRateResponse = {
  intervalSeconds: 60,
  from: new Date(window.fromMillis).toISOString(),
  to: new Date(window.toMillis).toISOString(),
  series: [
    {
      pipeline: 'zeta',
      points: [{ time: '2025-01-01T00:00:00.000Z', executions: 4, failed: 1, failureRate: 0.25 }],
    },
    {
      pipeline: 'alpha',
      points: [
        { time: '2025-01-01T00:00:00.000Z', executions: 2, failed: 0, failureRate: 0 },
        { time: '2025-01-01T00:02:00.000Z', executions: 5, failed: 5, failureRate: 1 },
      ],
    },
  ],
};

describe('failure-rate', () => {
  describe('toFailureRateFrames', () => {
    it('makes one frame per pipeline over every bucket, null where it did not run', () => {
      const frames = toFailureRateFrames(response, window);
      expect(frames.map((frame) => frame.name)).toEqual(['alpha', 'zeta']);
      expect(frames[0].fields[0].values).toEqual([
        window.fromMillis,
        window.fromMillis + 60_000,
        window.fromMillis + 120_000,
      ]);
      expect(frames[0].fields[1].values).toEqual([0, null, 1]);
      expect(frames[1].fields[1].values).toEqual([0.25, null, null]);
      expect(frames[0].fields[1].config).toMatchObject({ displayName: 'alpha', unit: 'percentunit' });
    });
  });

  describe('toExecutionsPerIntervalFrame', () => {
    it('sums all pipelines per bucket into completed and failed', () => {
      const frame = toExecutionsPerIntervalFrame(response, window);
      expect(frame.fields.map((field) => field.name)).toEqual(['Time', 'Completed', 'Failed']);
      expect(frame.fields[1].values).toEqual([5, 0, 0]);
      expect(frame.fields[2].values).toEqual([1, 0, 5]);
    });
  });

  describe('failureTotals', () => {
    it('adds up executions and failures', () => {
      expect(failureTotals(response)).toEqual({ executions: 11, failed: 6 });
    });
  });
});
