import { createCollectorClient, toCollectorRequestError, type QueryParams } from './client';
import { fetchCatalog, fetchDurationPercentiles, fetchTopFailingSteps } from './overview-queries';
import { makeStep } from '../testing/fixtures';

function recordingFetch(answer: (path: string, params: QueryParams) => unknown) {
  const calls: Array<{ path: string; params: QueryParams }> = [];
  const fetchJson = async <T>(path: string, params: QueryParams = {}) => {
    calls.push({ path, params });
    return answer(path, params) as T;
  };
  return { calls, fetchJson };
}

describe('api/client', () => {
  describe('createCollectorClient', () => {
    it('maps each call to its path and query parameters', async () => {
      const { calls, fetchJson } = recordingFetch(() => ({}));
      const client = createCollectorClient(fetchJson);
      const window = { fromMillis: 1000, toMillis: 2000 };
      await client.listExecutions({ ...window, pipeline: 'loan', status: 'failed', q: 'credit', limit: 50 });
      await client.getExecution('exec/1');
      await client.failureRate({ ...window, environment: 'prod', intervalSeconds: 300 });
      await client.durations({ ...window, pipeline: 'loan', intervalSeconds: 60 });
      await client.summary({ ...window, pipeline: 'loan' });
      await client.topFailingSteps({ ...window, environment: 'prod', limit: 20 });
      await client.searchSteps({ ...window, status: 'failed', environment: 'staging', cursor: 'c1' });
      await client.pipelines(window);
      expect(calls).toEqual([
        {
          path: '/executions',
          params: expect.objectContaining({
            from: 1000,
            to: 2000,
            pipeline: 'loan',
            status: 'failed',
            q: 'credit',
            limit: 50,
          }),
        },
        { path: '/executions/exec%2F1', params: {} },
        { path: '/stats/failure-rate', params: expect.objectContaining({ environment: 'prod', interval: 300 }) },
        { path: '/stats/durations', params: expect.objectContaining({ pipeline: 'loan', interval: 60 }) },
        { path: '/stats/summary', params: expect.objectContaining({ pipeline: 'loan' }) },
        {
          path: '/stats/top-failing-steps',
          params: expect.objectContaining({ from: 1000, to: 2000, environment: 'prod', limit: 20 }),
        },
        {
          path: '/steps',
          params: expect.objectContaining({ status: 'failed', environment: 'staging', cursor: 'c1' }),
        },
        { path: '/pipelines', params: { from: 1000, to: 2000 } },
      ]);
    });
  });

  describe('toCollectorRequestError', () => {
    it('uses the collector’s error body when there is one', () => {
      const error = toCollectorRequestError({
        status: 400,
        data: { error: { code: 'XRAY_ERR_BAD_REQUEST', message: 'bad from', retryable: false } },
        config: { url: 'x' },
      });
      expect(error).toMatchObject({ status: 400, code: 'XRAY_ERR_BAD_REQUEST', message: 'bad from' });
    });

    it('points at the configuration page when the proxy cannot reach the collector', () => {
      const error = toCollectorRequestError({ status: 502, statusText: 'Bad Gateway', data: {}, config: { url: 'x' } });
      expect(error.message).toMatch(/502.*collector URL/);
    });
  });

  describe('overview queries', () => {
    const hour = 3_600_000;
    const t0 = Date.UTC(2025, 0, 1, 10);

    it('asks the collector for the top failing steps, then each step’s latest failure over the counted hours', async () => {
      const { calls, fetchJson } = recordingFetch((path, params) => {
        if (path === '/stats/top-failing-steps') {
          return {
            from: '',
            to: '',
            steps: [
              { pipeline: 'loan', name: 'score', total: 10, failed: 4, failureRate: 0.4 },
              { pipeline: 'fraud', name: 'velocity', total: 8, failed: 2, failureRate: 0.25 },
            ],
          };
        }
        const latest =
          params.name === 'score'
            ? [
                makeStep({
                  spanId: 's1',
                  executionId: 'e-9',
                  name: 'score',
                  pipeline: 'loan',
                  status: 'failed',
                  error: { type: 'E', message: 'below threshold', stack: '' },
                }),
              ]
            : [];
        return { steps: latest, nextCursor: null };
      });
      const query = { fromMillis: t0 + 20 * 60_000, toMillis: t0 + hour + 20 * 60_000, environment: 'prod' };
      const result = await fetchTopFailingSteps(createCollectorClient(fetchJson), query, 5);

      expect(calls[0]).toEqual({
        path: '/stats/top-failing-steps',
        params: expect.objectContaining({ from: query.fromMillis, to: query.toMillis, environment: 'prod', limit: 5 }),
      });
      expect(calls.slice(1)).toEqual([
        {
          path: '/steps',
          params: expect.objectContaining({
            name: 'score',
            pipeline: 'loan',
            environment: 'prod',
            status: 'failed',
            limit: 1,
            from: t0,
            to: t0 + 2 * hour,
          }),
        },
        { path: '/steps', params: expect.objectContaining({ name: 'velocity', pipeline: 'fraud', limit: 1 }) },
      ]);
      expect(result).toEqual([
        {
          pipeline: 'loan',
          name: 'score',
          total: 10,
          failed: 4,
          failureRate: 0.4,
          latest: expect.objectContaining({ executionId: 'e-9', error: 'below threshold' }),
        },
        { pipeline: 'fraud', name: 'velocity', total: 8, failed: 2, failureRate: 0.25, latest: null },
      ]);
    });

    it('sends no step search when no step failed', async () => {
      const { calls, fetchJson } = recordingFetch(() => ({ from: '', to: '', steps: [] }));
      await expect(
        fetchTopFailingSteps(createCollectorClient(fetchJson), { fromMillis: t0, toMillis: t0 + hour })
      ).resolves.toEqual([]);
      expect(calls.map((call) => call.path)).toEqual(['/stats/top-failing-steps']);
      expect(calls[0].params.limit).toBe(10);
    });

    it('reads duration percentiles per bucket from the durations endpoint', async () => {
      const answer = { intervalSeconds: 60, from: '', to: '', points: [] };
      const { calls, fetchJson } = recordingFetch(() => answer);
      const result = await fetchDurationPercentiles(
        createCollectorClient(fetchJson),
        { fromMillis: t0, toMillis: t0 + hour, pipeline: 'loan', environment: 'prod' },
        60
      );
      expect(result).toBe(answer);
      expect(calls).toEqual([
        {
          path: '/stats/durations',
          params: { from: t0, to: t0 + hour, pipeline: 'loan', environment: 'prod', interval: 60 },
        },
      ]);
    });

    it('shares one catalog request between the pipeline and environment pickers while it is in flight', async () => {
      const { calls, fetchJson } = recordingFetch(() => ({ pipelines: ['loan'], environments: ['prod'] }));
      const client = createCollectorClient(fetchJson);
      const window = { fromMillis: t0, toMillis: t0 + hour };
      const [first, second] = await Promise.all([fetchCatalog(client, window), fetchCatalog(client, { ...window })]);
      expect(first).toEqual({ pipelines: ['loan'], environments: ['prod'] });
      expect(second).toBe(first);
      expect(calls).toEqual([{ path: '/pipelines', params: { from: t0, to: t0 + hour } }]);
      // Settled requests are not cached: a refresh asks again.
      await fetchCatalog(client, window);
      expect(calls).toHaveLength(2);
    });
  });
});
