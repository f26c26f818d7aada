/**
 * OTLP in, API and SQL out, on a real ClickHouse engine: assembly of split
 * executions, re-delivery, steps before their root, search, stats, paging.
 * Runs twice: on the embedded backend (chDB) and on the server backend
 * (@clickhouse/client over HTTP, through the test endpoint in front of chDB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

describe.each(['embedded', 'server'] as const)('collector ingest and query API (%s backend)', (backend) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector({ backend });
  });
  afterAll(async () => {
    await harness?.close();
  });

  describe('POST /v1/traces then GET /api/v1/executions/:id', () => {
    it('stores an execution with its steps in order and answers 200 only once stored', async () => {
      const e = executionSpans({
        pipeline: 'loan-approval',
        steps: [{ name: 'fetch_credit_score' }, { name: 'check_approval_rules', reasoning: 'Applied rule: tier A approved' }],
      });
      const reply = await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({});

      // Stored by the time the reply arrived: no polling.
      const rows = await harness.sql<{ n: string }>('SELECT count() AS n FROM steps WHERE execution_id = {id:String}', { id: e.executionId });
      expect(Number(rows[0].n)).toBe(2);

      const { status, body } = await getJson(harness, `/api/v1/executions/${e.executionId}`);
      expect(status).toBe(200);
      expect(body.execution).toMatchObject({
        executionId: e.executionId,
        pipeline: 'loan-approval',
        environment: 'test',
        status: 'completed',
        stepCount: 2,
        errorCount: 0,
      });
      expect(body.steps.map((s: { name: string }) => s.name)).toEqual(['fetch_credit_score', 'check_approval_rules']);
      expect(body.steps[1].reasoning).toBe('Applied rule: tier A approved');
      expect(body.steps[0].parentSpanId).toBe(e.root.spanId);
    });

    it('assembles an execution split over several requests, steps before the root, to the same result', async () => {
      const e = executionSpans({ pipeline: 'split', steps: [{ name: 'a' }, { name: 'b' }, { name: 'c', failed: true }], failed: true });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.steps[2]]))).status).toBe(200);
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.steps[0], e.steps[1]]))).status).toBe(200);
      let partial = await getJson(harness, `/api/v1/executions/${e.executionId}`);
      expect(partial.status).toBe(200);
      expect(partial.body.execution).toBeNull();
      expect(partial.body.steps).toHaveLength(3);

      expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root]))).status).toBe(200);
      const { body } = await getJson(harness, `/api/v1/executions/${e.executionId}`);
      expect(body.execution.status).toBe('failed');
      expect(body.steps.map((s: { name: string }) => s.name)).toEqual(['a', 'b', 'c']);
      expect(body.steps[2]).toMatchObject({ status: 'failed', error: { message: 'c failed' } });
    });

    it('does not duplicate anything when the same batch is delivered twice', async () => {
      const e = executionSpans({ pipeline: 'redelivery', steps: [{ name: 'x' }, { name: 'y' }] });
      const body = jsonRequest([e.root, ...e.steps]);
      expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);
      expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);

      const one = await getJson(harness, `/api/v1/executions/${e.executionId}`);
      expect(one.body.steps).toHaveLength(2);
      const list = await getJson(harness, '/api/v1/executions?pipeline=redelivery');
      expect(list.body.executions).toHaveLength(1);
      const summary = await getJson(harness, '/api/v1/stats/summary?pipeline=redelivery');
      expect(summary.body.executions).toBe(1);
      const rate = await getJson(harness, '/api/v1/stats/failure-rate?pipeline=redelivery&interval=1h');
      expect(rate.body.series[0].points.reduce((n: number, p: { executions: number }) => n + p.executions, 0)).toBe(1);
      // Stored once, not merely read once (no FINAL): the second delivery carried the first's deduplication token.
      const stored = () =>
        harness.sql<{ steps: number; executions: number; rollup: number }>(
          `SELECT (SELECT count() FROM steps WHERE execution_id = {id:String}) AS steps,
                  (SELECT count() FROM executions WHERE execution_id = {id:String}) AS executions,
                  (SELECT uniqExactMerge(executions) FROM pipeline_stats_1m_live WHERE pipeline = 'redelivery') AS rollup`,
          { id: e.executionId },
        );
      expect((await stored()).map((row) => [Number(row.steps), Number(row.executions), Number(row.rollup)])).toEqual([[2, 1, 1]]);
      // Folded into the rollup by the job (twice: a second pass over the same rows adds nothing).
      await harness.store.rollups.run();
      await harness.store.rollups.run();
      expect((await stored()).map((row) => [Number(row.steps), Number(row.executions), Number(row.rollup)])).toEqual([[2, 1, 1]]);
      const [rolled] = await harness.sql<{ n: string }>(
        `SELECT toString(uniqExactMerge(executions)) AS n FROM pipeline_stats_1m WHERE pipeline = 'redelivery'`,
      );
      expect(rolled.n).toBe('1');
    });
  });

  describe('GET /api/v1/executions', () => {
    it('filters by pipeline, status, step name and reasoning words, newest first, with cursor paging', async () => {
      const base = Date.now() - 60_000;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const e = executionSpans({
          pipeline: 'ranking',
          startMs: base + i * 1000,
          failed: i % 2 === 0,
          steps: [{ name: 'score' }, { name: i === 3 ? 'rerank' : 'filter', reasoning: i === 1 ? 'Dropped items below the freshness threshold' : 'kept all' }],
        });
        ids.push(e.executionId);
        expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
      }

      const all = await getJson(harness, '/api/v1/executions?pipeline=ranking&limit=2');
      expect(all.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([ids[4], ids[3]]);
      const page2 = await getJson(harness, `/api/v1/executions?pipeline=ranking&limit=2&cursor=${all.body.nextCursor}`);
      expect(page2.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([ids[2], ids[1]]);
      const page3 = await getJson(harness, `/api/v1/executions?pipeline=ranking&limit=2&cursor=${page2.body.nextCursor}`);
      expect(page3.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([ids[0]]);
      expect(page3.body.nextCursor).toBeNull();

      const failed = await getJson(harness, '/api/v1/executions?pipeline=ranking&status=failed');
      expect(failed.body.executions.map((e: { executionId: string }) => e.executionId).sort()).toEqual([ids[0], ids[2], ids[4]].sort());

      const byStep = await getJson(harness, '/api/v1/executions?step=rerank');
      expect(byStep.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([ids[3]]);

      const byWords = await getJson(harness, `/api/v1/executions?q=${encodeURIComponent('freshness THRESHOLD')}`);
      expect(byWords.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([ids[1]]);

      const steps = await getJson(harness, '/api/v1/steps?q=freshness');
      expect(steps.body.steps).toHaveLength(1);
      expect(steps.body.steps[0]).toMatchObject({ executionId: ids[1], name: 'filter' });

      const summary = await getJson(harness, '/api/v1/stats/summary?pipeline=ranking');
      expect(summary.body).toMatchObject({ executions: 5, failed: 3, failureRate: 0.6 });
      expect(summary.body.p95DurationMs).toBeGreaterThan(0);

      const rate = await getJson(harness, '/api/v1/stats/failure-rate?pipeline=ranking&interval=1d');
      const points = rate.body.series.find((s: { pipeline: string }) => s.pipeline === 'ranking').points;
      const totals = points.reduce(
        (acc: { e: number; f: number }, p: { executions: number; failed: number }) => ({ e: acc.e + p.executions, f: acc.f + p.failed }),
        { e: 0, f: 0 },
      );
      expect(totals).toEqual({ e: 5, f: 3 });

      const pipelines = await getJson(harness, '/api/v1/pipelines');
      expect(pipelines.body.pipelines).toContain('ranking');
      expect(pipelines.body.environments).toContain('test');

      const durations = await getJson(harness, '/api/v1/stats/durations?pipeline=ranking&interval=1d');
      expect(durations.status).toBe(200);
      expect(durations.body.points.reduce((n: number, p: { executions: number }) => n + p.executions, 0)).toBe(5);
      for (const point of durations.body.points) {
        expect(point.p95DurationMs).toBeGreaterThanOrEqual(point.p50DurationMs);
        expect(point.avgDurationMs).toBeGreaterThan(0);
      }

      // Steps named 'score' never failed here; the failed executions' failures
      // are on their roots, so seed a failing step and look for it.
      const failing = executionSpans({ pipeline: 'ranking', failed: true, steps: [{ name: 'score' }, { name: 'dedupe', failed: true }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([failing.root, ...failing.steps]))).status).toBe(200);
      const top = await getJson(harness, '/api/v1/stats/top-failing-steps?pipeline=ranking');
      expect(top.body.steps).toEqual([{ pipeline: 'ranking', name: 'dedupe', total: 1, failed: 1, failureRate: 1 }]);

      const byEnvironment = await getJson(harness, '/api/v1/steps?environment=test&name=dedupe');
      expect(byEnvironment.body.steps).toHaveLength(1);
      const otherEnvironment = await getJson(harness, '/api/v1/steps?environment=prod&name=dedupe');
      expect(otherEnvironment.body.steps).toHaveLength(0);
    });

    it('answers a malformed cursor with XRAY_ERR_BAD_CURSOR', async () => {
      const { status, body } = await getJson(harness, '/api/v1/executions?cursor=not-a-cursor');
      expect(status).toBe(400);
      expect(body.error.code).toBe('XRAY_ERR_BAD_CURSOR');
    });

    it('answers an invalid parameter with XRAY_ERR_VALIDATION naming it', async () => {
      const { status, body } = await getJson(harness, '/api/v1/executions?from=yesterday');
      expect(status).toBe(400);
      expect(body.error.code).toBe('XRAY_ERR_VALIDATION');
      expect(body.error.message).toContain('from');
    });

    it('answers an unknown execution with 404 XRAY_ERR_NOT_FOUND', async () => {
      const { status, body } = await getJson(harness, '/api/v1/executions/does-not-exist');
      expect(status).toBe(404);
      expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    });
  });
});
