import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XRay } from '../../src/index.js';
import * as semconv from '../../src/semconv.js';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; attributes: Array<{ key: string }> }> }> }> };
}

describe('otlp-http (real collector stand-in on 127.0.0.1)', () => {
  let server: Server;
  let endpoint: string;
  let received: Received[];
  let status: number;

  beforeEach(async () => {
    received = [];
    status = 200;
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  describe('XRay with the default exporter', () => {
    it('sends one execution as one authenticated OTLP/JSON POST to /v1/traces', async () => {
      const xray = new XRay({ apiKey: 'xr_test', endpoint, appId: 'my-loan-app', pipeline: 'loan-approval', environment: 'prod' });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'fetch_credit_score', input: { userId: '123' }, output: { score: 750 } });
      execution.recordStep({ name: 'check_approval_rules', output: { approved: true }, reasoning: 'tier A' });
      execution.completeExecution({ approved: true });
      const report = await xray.shutdown({ timeoutMillis: 5000 });

      expect(report).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
      expect(received).toHaveLength(1);
      const [request] = received;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/v1/traces');
      expect(request.headers.authorization).toBe('Bearer xr_test');
      expect(request.headers['content-type']).toContain('application/json');
      const spans = request.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
      expect(spans.map((span) => span.name)).toEqual(['fetch_credit_score', 'check_approval_rules', 'loan-approval']);
      expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
      expect(spans[2].attributes.map((attribute) => attribute.key)).toContain(semconv.ATTR_XRAY_EXECUTION_ROOT);
    });

    it('counts a rejected request as a failed export', async () => {
      status = 400;
      const xray = new XRay({ apiKey: 'xr_test', endpoint });
      xray.startExecution().completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 5000 })).toEqual({ sent: 0, dropped: 0, failed: 1, timedOut: false, pending: 0 });
      expect(xray.stats()).toMatchObject({ exportFailures: 1, requestsSent: 1 });
    });
  });
});
