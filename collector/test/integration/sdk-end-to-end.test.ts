/**
 * The SDK against a real collector and a real embedded ClickHouse: the
 * README example unchanged, trackExecution with a failing step, an execution
 * split over several requests, and the drop-in span processor with nested
 * and parallel spans and a straggler.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import XRaySDK, { XRay, XRaySpanProcessor } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

/** OTLP requests the collector has answered so far, from its own /metrics. */
async function otlpRequests(harness: Harness): Promise<number> {
  const metrics = await (await fetch(`${harness.url}/metrics`)).text();
  let total = 0;
  for (const match of metrics.matchAll(/^xray_http_requests_total\{[^}]*route="\/v1\/traces"[^}]*\} (\d+)/gm)) total += Number(match[1]);
  return total;
}

/** Polls the API until the execution shows `steps` steps (span processor exports are asynchronous). */
async function waitForExecution(harness: Harness, executionId: string, steps: number): Promise<any> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { status, body } = await getJson(harness, `/api/v1/executions/${executionId}`);
    if (status === 200 && body.execution && body.steps.length >= steps) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`execution ${executionId} never showed ${steps} steps`);
}

describe('@xray/sdk end to end', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector();
    process.env.XRAY_API_KEY = harness.apiKey;
    process.env.XRAY_ENDPOINT = harness.url;
  });
  afterAll(async () => {
    delete process.env.XRAY_API_KEY;
    delete process.env.XRAY_ENDPOINT;
    await harness?.close();
  });

  it('runs the README example unchanged and sends it as exactly one OTLP request', async () => {
    const before = await otlpRequests(harness);

    const xray = new XRaySDK({ apiKey: process.env.XRAY_API_KEY, serviceName: 'loan-api', pipeline: 'loan-approval', environment: 'prod' });
    const execution = xray.startExecution();
    execution.recordStep({ name: 'fetch_credit_score', input: { userId: '123' }, output: { score: 750 }, status: 'completed' });
    execution.recordStep({
      name: 'check_approval_rules',
      input: { tier: 'A' },
      output: { approved: true },
      reasoning: 'Applied rule: tier A applicants always approved',
      status: 'completed',
    });
    execution.completeExecution();
    const report = await xray.shutdown();
    expect(report).toMatchObject({ dropped: 0, failed: 0 });

    expect((await otlpRequests(harness)) - before).toBe(1);
    const list = await getJson(harness, '/api/v1/executions?pipeline=loan-approval');
    expect(list.body.executions).toHaveLength(1);
    const id = list.body.executions[0].executionId;
    const { body } = await getJson(harness, `/api/v1/executions/${id}`);
    expect(body.execution).toMatchObject({ pipeline: 'loan-approval', environment: 'prod', status: 'completed', stepCount: 2, errorCount: 0 });
    expect(body.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['fetch_credit_score', 'completed'],
      ['check_approval_rules', 'completed'],
    ]);
    expect(JSON.parse(body.steps[0].input)).toEqual({ userId: '123' });
    expect(JSON.parse(body.steps[0].output)).toEqual({ score: 750 });
    expect(body.steps[1].reasoning).toBe('Applied rule: tier A applicants always approved');

    const rows = await harness.sql<{ name: string; reasoning: string }>(
      'SELECT name, reasoning FROM steps FINAL WHERE execution_id = {id:String} ORDER BY sequence',
      { id },
    );
    expect(rows.map((r) => r.name)).toEqual(['fetch_credit_score', 'check_approval_rules']);
    // Step spans leave pipeline and environment to their root; the stored rows still carry both.
    const stepColumns = await harness.sql<{ pipeline: string; environment: string }>(
      'SELECT DISTINCT pipeline, environment FROM steps FINAL WHERE execution_id = {id:String}',
      { id },
    );
    expect(stepColumns).toEqual([{ pipeline: 'loan-approval', environment: 'prod' }]);
  });

  it('records trackExecution with a throwing step: the error is stored, rethrown, and the execution failed', async () => {
    const xray = new XRay({ projectId: 'movie-app' });
    const boom = new RangeError('no movies left');
    let executionId = '';
    await expect(
      xray.trackExecution('movie_rec', async (ctx) => {
        executionId = ctx.executionId;
        const preferences = await ctx.step('fetch_preferences', () => ({ genres: ['Sci-Fi'] }));
        await ctx.step('search_movies', async () => {
          expect(preferences.genres).toEqual(['Sci-Fi']);
          throw boom;
        });
        return 'unreachable';
      }),
    ).rejects.toBe(boom);
    await xray.shutdown();

    const { body } = await getJson(harness, `/api/v1/executions/${executionId}`);
    expect(body.execution).toMatchObject({ pipeline: 'movie_rec', status: 'failed', errorCount: 1 });
    expect(body.execution.errorMessage).toContain('no movies left');
    expect(body.steps.map((s: any) => s.name)).toEqual(['fetch_preferences', 'search_movies']);
    expect(body.steps[1]).toMatchObject({ status: 'failed', error: { type: 'RangeError', message: 'no movies left' } });
    expect(body.steps[1].error.stack).toContain('RangeError');
    expect(body.steps[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('splits an execution larger than maxRequestBytes over several requests that the collector reassembles', async () => {
    const before = await otlpRequests(harness);
    const xray = new XRay({ serviceName: 'big', pipeline: 'bulk', maxRequestBytes: 64 * 1024 });
    const execution = xray.startExecution();
    for (let i = 0; i < 300; i++) {
      execution.recordStep({ name: `step_${i}`, input: { i, pad: 'p'.repeat(500) }, output: { ok: true }, status: 'completed' });
    }
    execution.completeExecution();
    await xray.shutdown();
    expect((await otlpRequests(harness)) - before).toBeGreaterThan(1);

    const list = await getJson(harness, '/api/v1/executions?pipeline=bulk');
    const { body } = await getJson(harness, `/api/v1/executions/${list.body.executions[0].executionId}`);
    expect(body.execution.stepCount).toBe(300);
    expect(body.steps).toHaveLength(300);
    expect(body.steps[299].name).toBe('step_299');
    // Steps that travelled without their root still name their pipeline.
    const pipelines = await harness.sql<{ pipeline: string }>('SELECT DISTINCT pipeline FROM steps FINAL WHERE execution_id = {id:String}', {
      id: list.body.executions[0].executionId,
    });
    expect(pipelines).toEqual([{ pipeline: 'bulk' }]);
  });

  it('turns an OTel-instrumented app into executions with the span processor: nested, parallel and straggling spans', async () => {
    const processor = new XRaySpanProcessor({ endpoint: harness.url, apiKey: harness.apiKey, environment: 'staging', graceMillis: 100 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('checkout');

    // BasicTracerProvider registers no context manager: parents are passed explicitly.
    const root = tracer.startSpan('fraud-check');
    const rootCtx = trace.setSpan(context.active(), root);
    const features = tracer.startSpan('load_features', {}, rootCtx);
    const nested = tracer.startSpan('query_history', {}, trace.setSpan(rootCtx, features));
    const parallelA = tracer.startSpan('score_model_a', { attributes: { 'gen_ai.request.model': 'risk-v2' } }, rootCtx);
    const parallelB = tracer.startSpan('score_model_b', {}, rootCtx);
    const straggler = tracer.startSpan('audit_log', {}, rootCtx);
    nested.end();
    features.end();
    parallelB.setStatus({ code: SpanStatusCode.ERROR, message: 'model b timed out' });
    parallelB.end();
    parallelA.end();
    root.end();
    // The root ended with a child still open: after the grace window the
    // first batch goes, and the straggler follows on its own.
    await new Promise((resolve) => setTimeout(resolve, 300));
    straggler.end();
    await provider.forceFlush();
    await provider.shutdown();

    const executionId = root.spanContext().traceId;
    const body = await waitForExecution(harness, executionId, 5);
    expect(body.execution).toMatchObject({ pipeline: 'fraud-check', environment: 'staging' });
    const byName = Object.fromEntries(body.steps.map((s: any) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['audit_log', 'load_features', 'query_history', 'score_model_a', 'score_model_b']);
    expect(byName.query_history.parentSpanId).toBe(byName.load_features.spanId);
    for (const name of ['load_features', 'score_model_a', 'score_model_b', 'audit_log']) {
      expect(byName[name].parentSpanId).toBe(root.spanContext().spanId);
    }
    expect(byName.score_model_b).toMatchObject({ status: 'failed', error: { message: 'model b timed out' } });
    expect(byName.score_model_a.model).toBe('risk-v2');
    expect(processor.stats()).toMatchObject({ spansDropped: 0 });
  });
});
