/**
 * Signing end to end: the SDK (`signingSecret`, through the official
 * OTLPTraceExporter and the X-Ray agent) against the real collector with an
 * app that requires signatures. Signed executions, gzipped or not, and signed
 * span-processor batches are stored; a wrong secret is refused with
 * XRAY_ERR_SIGNATURE_INVALID, reported once through `onError`, counted for
 * every execution, and nothing of it is stored.
 */
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { XRay, XRaySpanProcessor, type XRayExportError } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

const APP = 'signed-sdk';

describe('@xray/sdk signing against the collector', () => {
  let harness: Harness;
  let apiKey: string;
  let secret: string;

  async function storedCount(pipeline: string): Promise<number> {
    const rows = await harness.sql<{ n: number }>(
      'SELECT count() AS n FROM executions FINAL WHERE app_id = {app:String} AND pipeline = {p:String}',
      { app: APP, p: pipeline },
    );
    return Number(rows[0].n);
  }

  beforeAll(async () => {
    harness = await startCollector();
    apiKey = await harness.createApp(APP);
    const created = await adminCall(harness, 'POST', `/apps/${APP}/signing-secrets`);
    expect(created.status).toBe(201);
    secret = created.body.secret;
    const required = await adminCall(harness, 'PUT', `/apps/${APP}/signing`, { required: true });
    expect(required.body.required).toBe(true);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stores executions signed by the SDK, gzipped or not', async () => {
    for (const compression of ['none', 'gzip'] as const) {
      const errors: XRayExportError[] = [];
      const xray = new XRay({ apiKey, endpoint: harness.url, signingSecret: secret, compression, pipeline: 'signed', onError: (e) => errors.push(e) });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'score', output: { text: 'héllo ✓', compression } });
      execution.completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 10_000 })).toMatchObject({ sent: 1, failed: 0 });
      expect(errors).toEqual([]);
    }
    const list = await getJson(harness, '/api/v1/executions?pipeline=signed', apiKey);
    expect(list.status).toBe(200);
    expect(list.body.executions).toHaveLength(2);
    const { body } = await getJson(harness, `/api/v1/executions/${list.body.executions[0].executionId}`, apiKey);
    expect(body.steps.map((step: { name: string }) => step.name)).toEqual(['score']);
  });

  it('reports a wrong secret once as XRAY_ERR_SIGNATURE_INVALID, counts every refusal and stores nothing', async () => {
    const errors: XRayExportError[] = [];
    const xray = new XRay({ apiKey, endpoint: harness.url, signingSecret: `${secret}x`, pipeline: 'wrong-secret', onError: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) xray.startExecution().completeExecution();
    expect(await xray.shutdown({ timeoutMillis: 10_000 })).toMatchObject({ sent: 0, failed: 3 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'XRAY_ERR_SIGNATURE_INVALID', code: 'XRAY_ERR_SIGNATURE_INVALID', status: 401, retryable: false });
    expect(errors[0].hint).toMatch(/signingSecret/);
    expect(xray.stats()).toMatchObject({ exportFailures: 3, exportErrors: { XRAY_ERR_SIGNATURE_INVALID: 3 }, exportRetries: 0 });
    expect(await storedCount('wrong-secret')).toBe(0);
  });

  it('stores span-processor batches signed with the secret and refuses them unsigned', async () => {
    const signed = new XRaySpanProcessor({ apiKey, endpoint: harness.url, signingSecret: secret });
    const tracer = new BasicTracerProvider({ spanProcessors: [signed] }).getTracer('t');
    const root = tracer.startSpan('signed-root', { attributes: { 'xray.pipeline': 'processor-signed' } });
    root.end();
    expect(await signed.close({ timeoutMillis: 10_000 })).toMatchObject({ sent: 1, failed: 0 });
    expect(await storedCount('processor-signed')).toBe(1);

    const errors: XRayExportError[] = [];
    const unsigned = new XRaySpanProcessor({ apiKey, endpoint: harness.url, onError: (e) => errors.push(e) });
    new BasicTracerProvider({ spanProcessors: [unsigned] })
      .getTracer('t')
      .startSpan('unsigned-root', { attributes: { 'xray.pipeline': 'processor-unsigned' } })
      .end();
    expect(await unsigned.close({ timeoutMillis: 10_000 })).toMatchObject({ sent: 0, failed: 1 });
    expect(errors.map((error) => [error.kind, error.status])).toEqual([['XRAY_ERR_SIGNATURE_MISSING', 401]]);
    expect(await storedCount('processor-unsigned')).toBe(0);
  });
});
