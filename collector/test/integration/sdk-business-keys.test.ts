/**
 * Business keys from the SDK to the collector's `where=` filter, through a
 * real collector and embedded ClickHouse: `startExecution({ tags })`,
 * `trackExecution(…, { tags })` with `ctx.setTags`, and OpenTelemetry's own
 * `session.id` / `user.id` on a root span through the drop-in span processor,
 * with no X-Ray code in the instrumented app (issue 11 item 1).
 */
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { XRay, XRaySpanProcessor } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

const ids = (body: { executions: { executionId: string }[] }) => body.executions.map((e) => e.executionId).sort();

describe('SDK business keys', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('finds executions tagged with startExecution({ tags }), setTags and trackExecution options', async () => {
    const xray = new XRay({ endpoint: harness.url, apiKey: harness.apiKey, pipeline: 'sdk-bk-loan' });
    const rejected = xray.startExecution({ tags: { applicantId: 'A-1042', tier: 2 } });
    rejected.recordStep({ name: 'decide', output: { approved: false } });
    rejected.completeExecution();
    const approved = xray.startExecution({ tags: { applicantId: 'A-1041' } });
    approved.setTags({ reviewer: 'alice' });
    approved.completeExecution();
    let tracked = '';
    await xray.trackExecution(
      'sdk-bk-loan',
      async (ctx) => {
        tracked = ctx.executionId;
        ctx.setTags({ reviewer: 'alice' });
        await ctx.step('decide', () => ({ approved: true }));
      },
      { tags: { applicantId: 'A-1043' } },
    );
    expect(await xray.shutdown()).toMatchObject({ sent: 3, failed: 0, dropped: 0 });

    expect(ids((await getJson(harness, '/api/v1/executions?where=applicantId=A-1042')).body)).toEqual([rejected.executionId]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=tier=2')).body)).toEqual([rejected.executionId]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=reviewer=alice')).body)).toEqual([approved.executionId, tracked].sort());
    expect(ids((await getJson(harness, '/api/v1/executions?where=reviewer=alice&where=applicantId=A-1043')).body)).toEqual([tracked]);
    // The steps of a tagged execution are found by its keys too.
    const steps = await getJson(harness, '/api/v1/steps?where=applicantId=A-1042');
    expect(steps.body.steps.map((s: { executionId: string; name: string }) => [s.executionId, s.name])).toEqual([[rejected.executionId, 'decide']]);
  });

  it('finds executions by OpenTelemetry session.id and user.id on a root span, with no X-Ray code in the app', async () => {
    const processor = new XRaySpanProcessor({ endpoint: harness.url, apiKey: harness.apiKey, graceMillis: 100 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('checkout');
    const sessions = ['s-1', 's-2'].map((sessionId) => {
      const root = tracer.startSpan('checkout', { attributes: { 'session.id': sessionId, 'user.id': 'u-7' } });
      tracer.startSpan('charge_card', {}, trace.setSpan(context.active(), root)).end();
      root.end();
      return root.spanContext().traceId;
    });
    await provider.forceFlush();
    await provider.shutdown();

    expect(ids((await getJson(harness, '/api/v1/executions?where=session.id=s-2')).body)).toEqual([sessions[1]]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=user.id=u-7')).body)).toEqual([...sessions].sort());
    const rows = await harness.sql<{ n: string }>(
      "SELECT count() AS n FROM executions FINAL WHERE app_id = {appId:String} AND has(business_keys, 'session.id=s-1')",
      { appId: harness.appId },
    );
    expect(Number(rows[0].n)).toBe(1);
  });
});
