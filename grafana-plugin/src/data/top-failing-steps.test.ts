import { toTopFailingSteps } from './top-failing-steps';
import { makeStep, T0_MILLIS } from '../testing/fixtures';

describe('top-failing-steps', () => {
  it('groups failures by pipeline and step, most first, with the latest error', () => {
    const fail = (spanId: string, name: string, startMs: number, message: string, pipeline = 'loan') =>
      makeStep({
        spanId,
        name,
        startMs,
        pipeline,
        status: 'failed',
        executionId: `e-${spanId}`,
        error: { type: 'E', message, stack: '' },
      });
    const top = toTopFailingSteps([
      fail('1', 'score', 0, 'old'),
      fail('2', 'score', 100, 'newest'),
      fail('3', 'fetch', 50, 'timeout'),
      fail('4', 'score', 10, 'x', 'other'),
    ]);
    expect(top.map((step) => [step.pipeline, step.name, step.failures])).toEqual([
      ['loan', 'score', 2],
      ['loan', 'fetch', 1],
      ['other', 'score', 1],
    ]);
    expect(top[0]).toMatchObject({ lastError: 'newest', lastExecutionId: 'e-2', lastFailedAt: T0_MILLIS + 100 });
  });

  it('filters by environment and limits the list', () => {
    const steps = [
      makeStep({ spanId: 'a', name: 'a', status: 'failed', environment: 'prod' }),
      makeStep({ spanId: 'b', name: 'b', status: 'failed', environment: 'dev' }),
      makeStep({ spanId: 'c', name: 'c', status: 'failed', environment: 'prod' }),
    ];
    expect(toTopFailingSteps(steps, { environment: 'prod' }).map((step) => step.name)).toEqual(['a', 'c']);
    expect(toTopFailingSteps(steps, { limit: 1 })).toHaveLength(1);
  });
});
