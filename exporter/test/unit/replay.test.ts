import { describe, expect, it } from 'vitest';
import { XRay } from '../../src/index.js';
import { replayExecution, type RecordedExecution } from '../../src/replay.js';
import * as semconv from '../../src/semconv.js';
import { RecordingExporter, stepStatus } from '../support/exporters.js';

/** An execution as GET /api/v1/executions/{id} answers it (the fields replay reads). */
function recorded(): RecordedExecution {
  return {
    execution: { executionId: 'exec-1', pipeline: 'loan' },
    steps: [
      { name: 'decide', sequence: 2, spanId: 's2', parentSpanId: 'root', status: 'completed', input: '{"score":590}', output: '{"approved":false,"tier":"C"}' },
      { name: 'fetch_score', sequence: 0, spanId: 's0', parentSpanId: 'root', status: 'completed', input: '{"applicantId":"A-1042"}', output: '{"score":590}' },
      { name: 'normalize', sequence: 1, spanId: 's1', parentSpanId: 's0', status: 'completed', input: '590', output: '0.59' },
      { name: 'greet', sequence: 3, spanId: 's3', parentSpanId: 'root', status: 'completed', input: 'Ada', output: 'hello Ada' },
      { name: 'bureau', sequence: 4, spanId: 's4', parentSpanId: 'root', status: 'failed', input: '', output: '', error: { type: 'Error', message: 'timeout' } },
    ],
  };
}

const unchanged = {
  fetch_score: async (input: any) => ({ score: input.applicantId === 'A-1042' ? 590 : 0 }),
  normalize: (input: any) => input / 1000,
  decide: (input: any) => ({ approved: input.score >= 650, tier: 'C' }),
  greet: (name: any) => `hello ${name}`,
  bureau: () => {
    throw new Error('timeout');
  },
};

describe('replay', () => {
  describe('replayExecution', () => {
    it('runs each step with its recorded input, in sequence order, and matches unchanged steps', async () => {
      const seen: unknown[] = [];
      const report = await replayExecution(recorded(), {
        ...unchanged,
        normalize: (input: unknown, ctx: { sequence: number; recorded: { spanId?: string } }) => {
          seen.push([input, ctx.sequence, ctx.recorded.spanId]);
          return (input as number) / 1000;
        },
      });
      expect(seen).toEqual([[590, 1, 's1']]);
      expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
        ['fetch_score', 'match'],
        ['normalize', 'match'],
        ['decide', 'match'],
        ['greet', 'match'],
        ['bureau', 'match'],
      ]);
      expect(report).toMatchObject({ executionId: 'exec-1', pipeline: 'loan', firstDivergence: null, matched: 5, diverged: 0, skipped: 0 });
    });

    it('reports a changed step with its structural diff as the first divergence', async () => {
      const report = await replayExecution(recorded(), { ...unchanged, decide: (input: any) => ({ approved: input.score >= 550, tier: 'C', manual: true }) });
      const decide = report.steps.find((s) => s.name === 'decide')!;
      expect(decide.outcome).toBe('diff');
      expect(decide.changes).toEqual([
        { path: '$.approved', kind: 'changed', before: false, after: true },
        { path: '$.manual', kind: 'added', after: true },
      ]);
      expect(report.firstDivergence?.name).toBe('decide');
      expect(report).toMatchObject({ matched: 4, diverged: 1 });
    });

    it('gives up on a step that never settles after stepTimeoutMillis, reports it as failed and goes on with the next', async () => {
      const report = await replayExecution(
        recorded(),
        { ...unchanged, normalize: () => new Promise(() => undefined) },
        { stepTimeoutMillis: 50 },
      );
      const byName = Object.fromEntries(report.steps.map((s) => [s.name, s]));
      expect(byName.normalize).toMatchObject({ outcome: 'failed', error: 'recorded completed, now did not finish within 50 ms' });
      expect(byName.decide.outcome).toBe('match');
      expect(report.firstDivergence?.name).toBe('normalize');
      expect(report).toMatchObject({ matched: 4, diverged: 1 });
    });

    it('refuses a stepTimeoutMillis that is not a positive number', async () => {
      await expect(replayExecution(recorded(), unchanged, { stepTimeoutMillis: 0 })).rejects.toThrow(/stepTimeoutMillis/);
      await expect(replayExecution(recorded(), unchanged, { stepTimeoutMillis: Number.NaN })).rejects.toThrow(/stepTimeoutMillis/);
    });

    it('counts a step that throws now, or no longer fails, as failed; a step with no function as skipped', async () => {
      const { normalize: _omitted, ...rest } = unchanged;
      const report = await replayExecution(recorded(), {
        ...rest,
        fetch_score: () => {
          throw new RangeError('bureau down');
        },
        bureau: () => 'ok now',
      });
      const byName = Object.fromEntries(report.steps.map((s) => [s.name, s]));
      expect(byName.fetch_score).toMatchObject({ outcome: 'failed', error: 'recorded completed, now threw RangeError: bureau down' });
      expect(byName.bureau).toMatchObject({ outcome: 'failed', error: 'recorded failed (timeout), now returned a value', output: 'ok now' });
      expect(byName.normalize.outcome).toBe('skipped');
      expect(report.firstDivergence?.name).toBe('fetch_score');
      expect(report).toMatchObject({ matched: 2, diverged: 2, skipped: 1 });
    });

    it('records the replay as a new execution linked to the original only when given a client', async () => {
      const exporter = new RecordingExporter();
      const xray = new XRay({ exporter });
      await replayExecution(recorded(), unchanged);
      expect(exporter.calls).toHaveLength(0);

      const report = await replayExecution(recorded(), { ...unchanged, decide: () => ({ approved: true, tier: 'A' }) }, { record: xray });
      expect(report.recorded?.flush).toMatchObject({ sent: 1, failed: 0 });
      const spans = exporter.calls[0];
      const root = spans[spans.length - 1];
      expect(root.attributes).toMatchObject({
        [semconv.ATTR_XRAY_REPLAY_OF]: 'exec-1',
        [semconv.ATTR_XRAY_PIPELINE]: 'loan',
        [semconv.ATTR_XRAY_ENVIRONMENT]: 'replay',
        [semconv.ATTR_XRAY_EXECUTION_ID]: report.recorded?.executionId,
      });
      const steps = Object.fromEntries(spans.slice(0, -1).map((span) => [span.name, span]));
      expect(steps.decide.attributes).toMatchObject({ [semconv.ATTR_XRAY_REPLAY_OUTCOME]: 'diff', [semconv.ATTR_OUTPUT_VALUE]: '{"approved":true,"tier":"A"}' });
      expect(steps.normalize.parentSpanContext?.spanId).toBe(steps.fetch_score.spanContext().spanId);
      expect(stepStatus(steps.bureau)).toBe('failed');
    });

    it('fetches the execution by id with the key, and says why when it cannot', async () => {
      const calls: [string, string | undefined][] = [];
      const fakeFetch = (async (url: string, init: { headers: Record<string, string> }) => {
        calls.push([url, init.headers.authorization]);
        if (url.endsWith('/missing')) return new Response(JSON.stringify({ error: { code: 'XRAY_ERR_NOT_FOUND', message: 'No execution' } }), { status: 404 });
        return new Response(JSON.stringify(recorded()), { status: 200 });
      }) as unknown as typeof fetch;
      const report = await replayExecution('exec-1', unchanged, { endpoint: 'http://collector:4318/v1/traces', apiKey: 'xr_read', fetch: fakeFetch });
      expect(calls).toEqual([['http://collector:4318/api/v1/executions/exec-1', 'Bearer xr_read']]);
      expect(report.matched).toBe(5);
      await expect(replayExecution('missing', unchanged, { apiKey: 'xr_read', fetch: fakeFetch })).rejects.toThrow('XRAY_ERR_NOT_FOUND: No execution');
      await expect(replayExecution('exec-1', unchanged, { fetch: fakeFetch })).rejects.toThrow('XRAY_API_KEY');
    });

    it('gives up on a collector that does not answer after fetchTimeoutMillis', async () => {
      const { createServer } = await import('node:http');
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      try {
        await expect(replayExecution('exec-1', unchanged, { endpoint: `http://127.0.0.1:${port}`, apiKey: 'xr_read', fetchTimeoutMillis: 200 })).rejects.toThrow(
          'did not answer within 200 ms',
        );
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    });
  });
});
