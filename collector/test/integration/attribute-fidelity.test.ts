/**
 * Attributes survive exactly (issue 7, item 7): any key, `__proto__` and the
 * other Object.prototype names included, and the doubles NaN, Infinity and
 * -Infinity, stored as the strings "NaN", "Infinity", "-Infinity" (also
 * inside arrays and kvlists), through OTLP/JSON, hand-built protobuf and the
 * official protobuf exporter, on both backends, read back through the API.
 */
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { jsonSpan, newSpanId, newTraceId, postJson } from '../support/otlp-fixtures.js';
import { fixed64Field, lenField } from '../unit/otlp/fixtures.js';

const NAMES_OF_OBJECT_PROTOTYPE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** The step of the execution `traceId` (root + one step), as the API returns it. */
async function stepAttributes(harness: Harness, traceId: string): Promise<Record<string, string>> {
  const { status, body } = await getJson(harness, `/api/v1/executions/${traceId}`);
  expect(status).toBe(200);
  expect(body.steps).toHaveLength(1);
  return body.steps[0].attributes;
}

describe.each<BackendKind>(['embedded', 'server'])('attribute fidelity (%s backend)', (backend) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ backend });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('keeps keys named like Object.prototype members and NaN/±Infinity doubles sent as OTLP/JSON', async () => {
    const traceId = newTraceId();
    const root = jsonSpan({ traceId, spanId: newSpanId(), name: 'fidelity-json', startMs: Date.now() - 10, durationMs: 5 });
    const step = jsonSpan({ traceId, spanId: newSpanId(), parentSpanId: root.spanId as string, name: 'step', startMs: Date.now() - 9, durationMs: 1 });
    step.attributes = [
      ...NAMES_OF_OBJECT_PROTOTYPE.map((key) => ({ key, value: { stringValue: `${key}-value` } })),
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: 'Infinity' } },
      { key: 'ninf', value: { doubleValue: '-Infinity' } },
      { key: 'list', value: { arrayValue: { values: [{ doubleValue: 'NaN' }, { doubleValue: 1.5 }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: '__proto__', value: { doubleValue: '-Infinity' } }] } } },
    ];
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [root, step] }] }] });
    expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);

    const attributes = await stepAttributes(harness, traceId);
    expect(Object.keys(attributes)).toContain('__proto__'); // toEqual alone would not notice it missing
    expect(attributes).toEqual({
      ...Object.fromEntries(NAMES_OF_OBJECT_PROTOTYPE.map((key) => [key, `${key}-value`])),
      nan: 'NaN',
      inf: 'Infinity',
      ninf: '-Infinity',
      list: '["NaN",1.5]',
      kv: '{"__proto__":"-Infinity"}',
    });
  });

  it('keeps a __proto__ key and a NaN double sent as hand-built protobuf', async () => {
    const traceId = randomBytes(16);
    const rootId = randomBytes(8);
    const start = BigInt(Date.now()) * 1_000_000n;
    const keyValue = (key: string, anyValue: Buffer) => lenField(9, Buffer.concat([lenField(1, Buffer.from(key)), lenField(2, anyValue)]));
    const nan = Buffer.alloc(9);
    nan[0] = (4 << 3) | 1; // AnyValue.double_value, fixed64
    nan.writeDoubleLE(Number.NaN, 1);
    const span = (spanId: Buffer, name: string, extra: Buffer) =>
      lenField(2, Buffer.concat([lenField(1, traceId), lenField(2, spanId), lenField(5, Buffer.from(name)), fixed64Field(7, start), fixed64Field(8, start + 1000n), extra]));
    const body = lenField(
      1,
      lenField(
        2,
        Buffer.concat([
          span(rootId, 'fidelity-proto', Buffer.alloc(0)),
          span(randomBytes(8), 'step', Buffer.concat([lenField(4, rootId), keyValue('__proto__', lenField(1, Buffer.from('p'))), keyValue('nan', nan)])),
        ]),
      ),
    );
    const response = await fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-api-key': harness.apiKey },
      body,
    });
    expect(response.status).toBe(200);
    const attributes = await stepAttributes(harness, traceId.toString('hex'));
    expect(Object.entries(attributes)).toEqual([
      ['__proto__', 'p'],
      ['nan', 'NaN'],
    ]);
  });

  it('keeps NaN and ±Infinity set through the official OpenTelemetry protobuf exporter', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPProtoExporter({ url: `${harness.url}/v1/traces`, headers: { 'x-api-key': harness.apiKey } }))],
    });
    const tracer = provider.getTracer('fidelity');
    const root = tracer.startSpan('fidelity-official');
    const step = tracer.startSpan('step', {}, trace.setSpan(context.active(), root));
    step.setAttribute('nan', Number.NaN);
    step.setAttribute('inf', Infinity);
    step.setAttribute('ninf', -Infinity);
    step.setAttribute('constructor', 'c');
    step.setAttribute('doubles', [0.5, Number.NaN]);
    step.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    expect(await stepAttributes(harness, root.spanContext().traceId)).toEqual({
      nan: 'NaN',
      inf: 'Infinity',
      ninf: '-Infinity',
      constructor: 'c',
      doubles: '[0.5,"NaN"]',
    });
  });
});
