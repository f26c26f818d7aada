/**
 * OTLP/gRPC (TraceService/Export) against the real collector and a real
 * ClickHouse: the official @opentelemetry/exporter-trace-otlp-grpc sends, with
 * and without gzip, with either credential form; and a raw grpc-js client
 * checks the statuses of what must fail, which are those of the HTTP route
 * (the same code path behind both transports).
 */
import { Client, Metadata, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestThroughTracesRoute } from '../../src/grpc/http-bridge.js';
import { TRACE_SERVICE_EXPORT, startGrpcServer } from '../../src/grpc/server.js';
import type { GrpcServer } from '../../src/grpc/server.js';
import { ExportTraceServiceResponse } from '../../src/otlp/proto-schema.js';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { expectPipelineStored, runPipeline } from '../support/instrumented-pipeline.js';

const MAX_MESSAGE_BYTES = 256 * 1024;

/** Spans recorded by the real SDK now (within retention), as ReadableSpans. */
function recordSpans(pipeline: string): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('grpc-test');
  const root = tracer.startSpan(pipeline, { attributes: { 'xray.pipeline': pipeline } });
  tracer.startSpan('score', {}, trace.setSpan(context.active(), root)).end();
  root.end();
  return exporter.getFinishedSpans();
}

function withTraceId(span: ReadableSpan, traceId: string): ReadableSpan {
  const context = { ...span.spanContext(), traceId };
  return Object.assign(Object.create(Object.getPrototypeOf(span)), span, { spanContext: () => context });
}

interface CallResult {
  error: ServiceError | null;
  response?: Buffer;
}

describe('OTLP/gRPC', () => {
  let harness: Harness;
  let grpc: GrpcServer;
  let client: Client;

  /** One raw Export call with the given metadata. */
  function exportRaw(body: Buffer, metadata: Record<string, string> = {}): Promise<CallResult> {
    const meta = new Metadata();
    for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
    return new Promise((resolve) => {
      client.makeUnaryRequest<Buffer, Buffer>(TRACE_SERVICE_EXPORT, (b) => b, (b) => b, body, meta, (error, response) =>
        resolve({ error, response }),
      );
    });
  }

  beforeAll(async () => {
    harness = await startCollector();
    grpc = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      ingest: ingestThroughTracesRoute(harness.xray.app),
    });
    client = new Client(grpc.address, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await grpc?.close();
    await harness?.close();
  });

  for (const gzip of [false, true]) {
    for (const form of ['x-api-key', 'authorization'] as const) {
      it(`stores what the official gRPC exporter sends${gzip ? ' with gzip' : ''}, key in ${form}`, async () => {
        const metadata = new Metadata();
        metadata.set(form, form === 'authorization' ? `Bearer ${harness.apiKey}` : harness.apiKey);
        const exporter = new OTLPGrpcExporter({
          url: `http://${grpc.address}`,
          metadata,
          compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
        });
        const pipeline = `grpc-${gzip ? 'gzip' : 'plain'}-${form}`;
        const traceId = await runPipeline(exporter, pipeline);
        await expectPipelineStored(harness, traceId, pipeline);
      });
    }
  }

  it('answers partial success for the spans it rejects and stores the rest', async () => {
    const spans = recordSpans('grpc-partial');
    const root = spans.find((span) => !span.parentSpanContext)!;
    const step = spans.find((span) => span !== root)!;
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest([withTraceId(root, '0'.repeat(32)), step])!);
    const { error, response } = await exportRaw(body, { 'x-api-key': harness.apiKey });
    expect(error).toBeNull();
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response!), { longs: Number }) as {
      partialSuccess?: { rejectedSpans: number; errorMessage: string };
    };
    expect(decoded.partialSuccess?.rejectedSpans).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(/traceId is all zeros/);
    const rows = await harness.sql<{ n: number }>('SELECT count() AS n FROM steps FINAL WHERE trace_id = {t:String}', {
      t: step.spanContext().traceId,
    });
    expect(Number(rows[0].n)).toBe(1);
  });

  it('refuses a missing or unknown key with UNAUTHENTICATED and the registry code, storing nothing', async () => {
    const spans = recordSpans('grpc-unauthenticated');
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const missing = await exportRaw(body);
    expect(missing.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(missing.error?.details).toMatch(/^XRAY_ERR_AUTH_MISSING_KEY: /);
    const unknown = await exportRaw(body, { 'x-api-key': `xr_${'x'.repeat(43)}` });
    expect(unknown.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(unknown.error?.details).toMatch(/^XRAY_ERR_AUTH_INVALID_KEY: /);
    const { body: listed } = await getJson(harness, '/api/v1/executions?pipeline=grpc-unauthenticated');
    expect(listed.executions).toEqual([]);
  });

  it('refuses bytes that are not an ExportTraceServiceRequest with INVALID_ARGUMENT (never retried)', async () => {
    const { error } = await exportRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'x-api-key': harness.apiKey });
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^XRAY_ERR_OTLP_DECODE: /);
  });

  it('refuses a message over the size limit before decoding it', async () => {
    const { error } = await exportRaw(Buffer.alloc(MAX_MESSAGE_BYTES + 1), { 'x-api-key': harness.apiKey });
    expect(error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('keys one app\'s spans to that app, whatever they claim', async () => {
    const otherKey = await harness.createApp('grpc-other');
    const spans = recordSpans('grpc-isolated');
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    expect((await exportRaw(body, { 'x-api-key': otherKey })).error).toBeNull();
    const mine = await getJson(harness, '/api/v1/executions?pipeline=grpc-isolated');
    expect(mine.body.executions).toEqual([]);
    const theirs = await getJson(harness, '/api/v1/executions?pipeline=grpc-isolated', otherKey);
    expect(theirs.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([spans[0].spanContext().traceId]);
  });

  it('applies the HTTP route\'s key scopes: a read-only key cannot send spans (PERMISSION_DENIED)', async () => {
    const issued = await adminCall(harness, 'POST', `/apps/${harness.appId}/keys`, { name: 'grpc-reader', scopes: ['read'] });
    expect(issued.status).toBe(201);
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(recordSpans('grpc-read-only'))!);
    const { error } = await exportRaw(body, { 'x-api-key': issued.body.apiKey });
    expect(error?.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(error?.details).toMatch(/^XRAY_ERR_AUTH_SCOPE: /);
  });

  it('applies the HTTP route\'s rate limits: over the app\'s limit is UNAVAILABLE (retryable), never stored twice', async () => {
    const appKey = await harness.createApp('grpc-limited');
    expect((await adminCall(harness, 'PUT', '/apps/grpc-limited/limits', { requestsPerSecond: 0.01, burst: 1 })).status).toBe(200);
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(recordSpans('grpc-limited'))!);
    expect((await exportRaw(body, { 'x-api-key': appKey })).error).toBeNull();
    const { error } = await exportRaw(body, { 'x-api-key': appKey });
    expect(error?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(error?.details).toMatch(/^XRAY_ERR_RATE_LIMITED: /);
  });
});
