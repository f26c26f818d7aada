/**
 * Signed requests (issue 6 item 4, SDK side): every request carries
 * `x-xray-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over "<t>." and
 * the body bytes exactly as they crossed the wire (after gzip). Checked here
 * against an independent HMAC over the bytes a local server received; the
 * collector's own verifier is exercised end to end in
 * collector/test/integration/sdk-signing.test.ts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XRay, XRaySpanProcessor } from '../../src/index.js';
import { startHttpSink, type HttpSink, type ReceivedRequest } from '../support/http-sink.js';

const SECRET = 'whsec_test_0123456789';

function verify(request: ReceivedRequest, secret: string): { t: number; valid: boolean } {
  const header = request.headers['x-xray-signature'];
  expect(typeof header).toBe('string');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header as string);
  expect(match).not.toBeNull();
  const t = Number(match![1]);
  const expected = createHmac('sha256', secret).update(`${t}.`).update(request.raw).digest('hex');
  return { t, valid: expected === match![2] };
}

describe('signing', () => {
  let sink: HttpSink;
  const saved = process.env.XRAY_SIGNING_SECRET;

  beforeEach(async () => {
    sink = await startHttpSink();
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.XRAY_SIGNING_SECRET;
    else process.env.XRAY_SIGNING_SECRET = saved;
    await sink.close();
  });

  it('signs the exact wire bytes, gzipped or not, with the current time', async () => {
    for (const compression of ['none', 'gzip'] as const) {
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, signingSecret: SECRET, compression });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'step', output: { text: 'héllo ✓' } });
      execution.completeExecution();
      await xray.shutdown({ timeoutMillis: 5000 });
    }
    expect(sink.received.map((request) => request.headers['content-encoding'])).toEqual([undefined, 'gzip']);
    for (const request of sink.received) {
      const { t, valid } = verify(request, SECRET);
      expect(valid).toBe(true);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      expect(verify(request, 'another secret').valid).toBe(false);
    }
  });

  it('signs a body the exporter writes in many chunks (a large execution, gzipped or not)', async () => {
    // Random text: gzip cannot shrink it below the 16 KiB zlib chunk, so the gzip stream writes several chunks too.
    const large = Array.from({ length: 8 }, () => randomBytes(6 * 1024).toString('base64'));
    for (const compression of ['none', 'gzip'] as const) {
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, signingSecret: SECRET, compression });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'big', output: large });
      execution.completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 5000 })).toMatchObject({ sent: 1 });
    }
    expect(sink.received.map((request) => request.raw.length > 16 * 1024)).toEqual([true, true]);
    for (const request of sink.received) expect(verify(request, SECRET).valid).toBe(true);
  });

  it('reads XRAY_SIGNING_SECRET, signs span-processor requests too, and sends no header without a secret', async () => {
    process.env.XRAY_SIGNING_SECRET = SECRET;
    const processor = new XRaySpanProcessor({ apiKey: 'k', endpoint: sink.url });
    new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('t').startSpan('p').end();
    await processor.close({ timeoutMillis: 5000 });
    expect(verify(sink.received[0], SECRET).valid).toBe(true);

    delete process.env.XRAY_SIGNING_SECRET;
    const xray = new XRay({ apiKey: 'k', endpoint: sink.url });
    xray.startExecution().completeExecution();
    await xray.shutdown({ timeoutMillis: 5000 });
    expect(sink.received[1].headers['x-xray-signature']).toBeUndefined();
  });

  it('signs every retry afresh', async () => {
    sink.reply = (_request, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200, body: '{}' });
    const xray = new XRay({ apiKey: 'k', endpoint: sink.url, signingSecret: SECRET });
    xray.startExecution().completeExecution();
    expect(await xray.shutdown({ timeoutMillis: 8000 })).toMatchObject({ sent: 1 });
    expect(sink.received).toHaveLength(2);
    for (const request of sink.received) expect(verify(request, SECRET).valid).toBe(true);
  });
});
