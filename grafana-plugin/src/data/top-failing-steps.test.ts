import type { TopFailingStep } from '../api/types';
import { hourlyRollupWindow, toLatestFailure, withLatestFailures } from './top-failing-steps';
import { makeStep, T0_MILLIS } from '../testing/fixtures';

const count = (pipeline: string, name: string, failed: number, total: number): TopFailingStep => ({
  pipeline,
  name,
  failed,
  total,
  failureRate: failed / total,
});

describe('top-failing-steps', () => {
  describe('hourlyRollupWindow', () => {
    const at = (time: string) => Date.parse(`2025-01-01T${time}Z`);

    it('widens the window to the whole hours the rollup counts', () => {
      expect(hourlyRollupWindow({ fromMillis: at('10:20:00'), toMillis: at('11:20:00') })).toEqual({
        fromMillis: at('10:00:00'),
        toMillis: at('12:00:00'),
      });
    });

    it('keeps bounds that are already on the hour, `to` exclusive', () => {
      expect(hourlyRollupWindow({ fromMillis: at('10:00:00'), toMillis: at('12:00:00') })).toEqual({
        fromMillis: at('10:00:00'),
        toMillis: at('12:00:00'),
      });
      // One millisecond into an hour counts that whole hour.
      expect(hourlyRollupWindow({ fromMillis: at('10:00:00'), toMillis: at('12:00:00') + 1 }).toMillis).toBe(
        at('13:00:00')
      );
    });
  });

  describe('toLatestFailure', () => {
    it('takes the error message, else its type, else the status', () => {
      const step = (error: { type: string; message: string } | null) =>
        makeStep({
          spanId: 's',
          executionId: 'e1',
          status: 'failed',
          startMs: 5,
          error: error && { ...error, stack: '' },
        });
      expect(toLatestFailure(step({ type: 'E', message: 'boom' }))).toEqual({
        executionId: 'e1',
        at: T0_MILLIS + 5,
        error: 'boom',
      });
      expect(toLatestFailure(step({ type: 'Timeout', message: '' })).error).toBe('Timeout');
      expect(toLatestFailure(step(null)).error).toBe('failed');
    });
  });

  describe('withLatestFailures', () => {
    it('keeps the collector’s counts and order and adds each step’s newest failure', () => {
      const fail = (spanId: string, pipeline: string, name: string, startMs: number, message: string) =>
        makeStep({
          spanId,
          name,
          pipeline,
          startMs,
          status: 'failed',
          executionId: `e-${spanId}`,
          error: { type: 'E', message, stack: '' },
        });
      const steps = withLatestFailures(
        [count('loan', 'score', 4, 10), count('fraud', 'velocity', 2, 8), count('loan', 'fetch', 1, 10)],
        [
          fail('1', 'loan', 'score', 0, 'old'),
          fail('2', 'loan', 'score', 100, 'newest'),
          fail('3', 'fraud', 'velocity', 50, 'too fast'),
          // Same step name in another pipeline: not the loan step's failure.
          fail('4', 'other', 'fetch', 200, 'elsewhere'),
        ]
      );
      expect(steps.map((step) => [step.pipeline, step.name, step.failed, step.total])).toEqual([
        ['loan', 'score', 4, 10],
        ['fraud', 'velocity', 2, 8],
        ['loan', 'fetch', 1, 10],
      ]);
      expect(steps[0].latest).toEqual({ executionId: 'e-2', at: T0_MILLIS + 100, error: 'newest' });
      expect(steps[1].latest).toMatchObject({ executionId: 'e-3', error: 'too fast' });
      expect(steps[2].latest).toBeNull();
      expect(steps[0].failureRate).toBe(0.4);
    });
  });
});
