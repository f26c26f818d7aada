/**
 * A small instrumented "pipeline" run through the real OpenTelemetry SDK with
 * any exporter (OTLP/HTTP json or protobuf, OTLP/gRPC), and the checks that
 * the collector stored it whole. Shared by the transport tests.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { getJson } from './collector-harness.js';
import type { Harness } from './collector-harness.js';

/** Runs a small instrumented "pipeline" through a provider that exports with `exporter`. */
export async function runPipeline(exporter: SpanExporter, pipeline: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'official-exporter-test', 'deployment.environment.name': 'ci' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('test');
  let traceId = '';
  const attributes: Attributes = { 'xray.pipeline': pipeline, 'an.int': 42, 'a.double': 1.5, 'a.bool': true, 'a.list': ['x', 'y'] };
  // Parents are passed explicitly: BasicTracerProvider registers no context manager.
  const root = tracer.startSpan(pipeline, { attributes });
  traceId = root.spanContext().traceId;
  const rootContext = trace.setSpan(context.active(), root);
  const fetch = tracer.startSpan('fetch', { attributes: { 'input.value': '{"userId":"123"}', 'output.value': '{"score":750}' } }, rootContext);
  tracer.startSpan('nested-lookup', {}, trace.setSpan(rootContext, fetch)).end();
  fetch.end();
  const fail = tracer.startSpan('decide', { attributes: { 'xray.step.reasoning': 'Score below cutoff' } }, rootContext);
  fail.recordException(new TypeError('cutoff missing'));
  fail.setStatus({ code: SpanStatusCode.ERROR, message: 'cutoff missing' });
  fail.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

/** Reads the pipeline back through the API and SQL: execution, steps, tree, failure, one row per step. */
export async function expectPipelineStored(harness: Harness, traceId: string, pipeline: string): Promise<void> {
  const { status, body } = await getJson(harness, `/api/v1/executions/${traceId}`);
  expect(status).toBe(200);
  expect(body.execution).toMatchObject({
    executionId: traceId,
    pipeline,
    environment: 'ci',
    serviceName: 'official-exporter-test',
    stepCount: 3,
    errorCount: 1,
  });
  expect(body.execution.attributes).toMatchObject({ 'an.int': '42', 'a.double': '1.5', 'a.bool': 'true', 'a.list': '["x","y"]' });
  const byName = Object.fromEntries(body.steps.map((s: { name: string }) => [s.name, s]));
  expect(Object.keys(byName).sort()).toEqual(['decide', 'fetch', 'nested-lookup']);
  expect(byName['nested-lookup'].parentSpanId).toBe(byName.fetch.spanId);
  expect(byName.fetch.input).toBe('{"userId":"123"}');
  expect(byName.decide).toMatchObject({
    status: 'failed',
    reasoning: 'Score below cutoff',
    error: { type: 'TypeError', message: 'cutoff missing' },
  });

  // Every span went in its own request (SimpleSpanProcessor); the API
  // still shows each step under its execution's pipeline.
  expect(body.steps.map((s: { pipeline: string }) => s.pipeline)).toEqual([pipeline, pipeline, pipeline]);
  const rows = await harness.sql<{ n: number }>('SELECT count() AS n FROM steps FINAL WHERE trace_id = {t:String}', { t: traceId });
  expect(Number(rows[0].n)).toBe(3);
}
