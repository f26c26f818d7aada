/**
 * OpenTelemetry's environment variables, end to end through the real HTTP
 * exporter to a local server: what URL, headers, compression and resource
 * the requests carry, with the documented precedence (constructor, then
 * XRAY_*, then OTEL_*), for the client and the span processor alike.
 */
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XRay, XRaySpanProcessor } from '../../src/index.js';
import { otlpJson, resourceOf, startHttpSink, type HttpSink } from '../support/http-sink.js';

const VARIABLES = [
  'XRAY_API_KEY', 'XRAY_ENDPOINT', 'XRAY_SIGNING_SECRET',
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_COMPRESSION', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES',
];

describe('OTel environment variables', () => {
  let sink: HttpSink;
  const saved: Record<string, string | undefined> = {};

  beforeEach(async () => {
    for (const name of VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    sink = await startHttpSink();
  });

  afterEach(async () => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await sink.close();
  });

  async function sendOne(options: ConstructorParameters<typeof XRay>[0] = {}): Promise<XRay> {
    const xray = new XRay(options);
    xray.startExecution({ pipeline: 'p' }).completeExecution();
    expect(await xray.shutdown({ timeoutMillis: 5000 })).toMatchObject({ sent: 1, failed: 0 });
    return xray;
  }

  describe('XRay', () => {
    it('works with only OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS set', async () => {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `${sink.url}/base/`;
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-api-key=xr_from_env, x-team=risk%20ops';
      process.env.OTEL_SERVICE_NAME = 'loan-api';
      process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=ignored,deployment.environment.name=staging,team=risk';
      await sendOne();
      const [request] = sink.received;
      expect(request.url).toBe('/base/v1/traces');
      expect(request.headers['x-api-key']).toBe('xr_from_env');
      expect(request.headers['x-team']).toBe('risk ops');
      expect(request.headers.authorization).toBeUndefined();
      expect(resourceOf(request)).toMatchObject({ 'service.name': 'loan-api', 'deployment.environment.name': 'staging', team: 'risk' });
    });

    it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, over OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:1';
      process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${sink.url}/custom/traces`;
      await sendOne({ apiKey: 'xr_opt' });
      expect(sink.received[0].url).toBe('/custom/traces');
      expect(sink.received[0].headers.authorization).toBe('Bearer xr_opt');
    });

    it('prefers the option, then XRAY_*, then OTEL_*', async () => {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:1';
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Bearer%20xr_otel';
      process.env.XRAY_ENDPOINT = `${sink.url}/xray`;
      process.env.XRAY_API_KEY = 'xr_xray';
      await sendOne();
      expect(sink.received[0].url).toBe('/xray/v1/traces');
      expect(sink.received[0].headers.authorization).toBe('Bearer xr_xray');

      await sendOne({ endpoint: `${sink.url}/option`, apiKey: 'xr_option' });
      expect(sink.received[1].url).toBe('/option/v1/traces');
      expect(sink.received[1].headers.authorization).toBe('Bearer xr_option');
    });

    it('gzips the body when OTEL_EXPORTER_OTLP_COMPRESSION=gzip, unless the option says none', async () => {
      process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
      await sendOne({ apiKey: 'k', endpoint: sink.url });
      expect(sink.received[0].headers['content-encoding']).toBe('gzip');
      expect(otlpJson(sink.received[0]).resourceSpans).toHaveLength(1);
      await sendOne({ apiKey: 'k', endpoint: sink.url, compression: 'none' });
      expect(sink.received[1].headers['content-encoding']).toBeUndefined();
    });

    it('gives up on a request after OTEL_EXPORTER_OTLP_TIMEOUT', async () => {
      process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
      sink.reply = () => undefined; // never answers
      const errors: string[] = [];
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, onError: (error) => errors.push(error.kind) });
      xray.startExecution().completeExecution();
      const report = await xray.shutdown({ timeoutMillis: 5000 });
      expect(report).toMatchObject({ sent: 0, failed: 1, timedOut: false, pending: 0 });
      expect(errors).toEqual(['TIMEOUT']);
    });
  });

  describe('XRaySpanProcessor', () => {
    it('honours the same variables and fills service.name into an unknown_service resource', async () => {
      process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${sink.url}/v1/traces`;
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-api-key=xr_proc';
      process.env.OTEL_SERVICE_NAME = 'checkout';
      process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
      const processor = new XRaySpanProcessor();
      const provider = new BasicTracerProvider({ spanProcessors: [processor] });
      provider.getTracer('t').startSpan('pipeline').end();
      expect(await processor.close({ timeoutMillis: 5000 })).toMatchObject({ sent: 1, failed: 0 });
      const [request] = sink.received;
      expect(request.url).toBe('/v1/traces');
      expect(request.headers['x-api-key']).toBe('xr_proc');
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(resourceOf(request)['service.name']).toBe('checkout');
    });
  });
});
