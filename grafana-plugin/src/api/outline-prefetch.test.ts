import { PREFETCH_MAX_AGE_MILLIS, prefetchOutline, takePrefetchedOutline } from './outline-prefetch';
import { fakeClient } from '../testing/render';
import type { ExecutionOutlineResponse } from './types';

const outline = (total: number) => ({ execution: null, total }) as unknown as ExecutionOutlineResponse;

describe('outline prefetch', () => {
  it('sends one request per limit, each after the one before, and hands each to the page once', async () => {
    const asked: Array<number | undefined> = [];
    let answerFirst: (response: ExecutionOutlineResponse) => void = () => undefined;
    const client = fakeClient({
      getExecutionOutline: (_id, limit) => {
        asked.push(limit);
        return limit === 200 ? new Promise((resolve) => (answerFirst = resolve)) : Promise.resolve(outline(50_000));
      },
    });
    prefetchOutline(client, 'exec-1', [200, undefined], 1_000);
    await Promise.resolve();
    // The whole outline waits for the first steps' answer.
    expect(asked).toEqual([200]);
    answerFirst(outline(200));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(asked).toEqual([200, undefined]);
    await expect(takePrefetchedOutline('exec-1', 200, 1_500)).resolves.toMatchObject({ total: 200 });
    expect(takePrefetchedOutline('exec-1', 200, 1_500)).toBeUndefined();
    await expect(takePrefetchedOutline('exec-1', undefined, 1_500)).resolves.toMatchObject({ total: 50_000 });
    // Another execution's page finds nothing.
    prefetchOutline(client, 'exec-1', [200], 1_000);
    expect(takePrefetchedOutline('exec-2', 200, 1_500)).toBeUndefined();
  });

  it('lets an old request go: the page asks again', () => {
    const client = fakeClient({ getExecutionOutline: async () => outline(1) });
    prefetchOutline(client, 'exec-3', [200], 1_000);
    expect(takePrefetchedOutline('exec-3', 200, 1_000 + PREFETCH_MAX_AGE_MILLIS + 1)).toBeUndefined();
  });

  it('leaves a failed request for the page to report, never unhandled', async () => {
    const client = fakeClient({ getExecutionOutline: () => Promise.reject(new Error('proxy down')) });
    prefetchOutline(client, 'exec-4', [200], 1_000);
    await expect(takePrefetchedOutline('exec-4', 200, 1_001)).rejects.toThrow('proxy down');
  });
});
