import { createCollectorClient, toCollectorRequestError, type QueryParams } from './client';
import { fetchTopFailingSteps, fetchDurationPercentiles } from './overview-queries';
import { makeExecutionSummary, makeStep } from '../testing/fixtures';

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
      await client.summary({ ...window, pipeline: 'loan' });
      await client.searchSteps({ ...window, status: 'failed', cursor: 'c1' });
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
        { path: '/stats/summary', params: expect.objectContaining({ pipeline: 'loan' }) },
        { path: '/steps', params: expect.objectContaining({ status: 'failed', cursor: 'c1' }) },
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
    it('counts top failing steps over several pages and says when it stopped early', async () => {
      let page = 0;
      const { calls, fetchJson } = recordingFetch(() => {
        page++;
        return {
          steps: [makeStep({ spanId: `s${page}`, name: 'score', status: 'failed' })],
          nextCursor: `cursor-${page}`,
        };
      });
      const result = await fetchTopFailingSteps(createCollectorClient(fetchJson), { fromMillis: 0, toMillis: 1 });
      expect(calls).toHaveLength(4);
      expect(calls[1].params.cursor).toBe('cursor-1');
      expect(calls[0].params.status).toBe('failed');
      expect(result).toMatchObject({ truncated: true, sampleSize: 4 });
      expect(result.value[0]).toMatchObject({ name: 'score', failures: 4 });
    });

    it('computes duration percentiles from listed executions', async () => {
      const from = Date.UTC(2025, 0, 1);
      const { fetchJson } = recordingFetch(() => ({
        executions: [
          makeExecutionSummary({ startTime: new Date(from + 1000).toISOString(), durationMs: 10 }),
          makeExecutionSummary({ startTime: new Date(from + 2000).toISOString(), durationMs: 30 }),
        ],
        nextCursor: null,
      }));
      const result = await fetchDurationPercentiles(
        createCollectorClient(fetchJson),
        { fromMillis: from, toMillis: from + 60_000 },
        60
      );
      expect(result.truncated).toBe(false);
      expect(result.value).toEqual([{ time: from, executions: 2, p50Ms: 30, p95Ms: 30 }]);
    });
  });
});
