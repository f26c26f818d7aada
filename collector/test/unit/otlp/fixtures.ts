/**
 * Real OTLP requests for the decoder tests: spans recorded by the OTel SDK
 * (BasicTracerProvider + InMemorySpanExporter) and serialized by the official
 * @opentelemetry/otlp-transformer serializers, plus the DecodedSpan each span
 * should come back as, worked out here from the SDK span, not by the decoder.
 */
import { context, SpanKind, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { AttrValue, Attributes, DecodedSpan } from '../../../src/contracts/spans.js';

const T0 = 1_700_000_000;

/** Records a small pipeline: a root, two children, a span from a second scope. */
export function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test', 'host.cpus': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('xray-test', '1.2.3');
  const root = tracer.startSpan('pipeline', {
    kind: SpanKind.SERVER,
    startTime: [T0, 123_456_789] as HrTime,
    attributes: {
      'str': 'hello',
      'empty.str': '',
      'int': 42,
      'int.zero': 0,
      'int.negative': -7,
      'int.large': 2 ** 60,
      'double': 3.25,
      'double.negative': -0.5,
      'bool.true': true,
      'bool.false': false,
      'arr.str': ['a', 'b'],
      'arr.int': [1, 2, 3],
      'arr.double': [1.5, 2.5],
      'arr.bool': [true, false],
      'arr.with.null': ['a', null, 'b'],
      'arr.empty': [],
    },
  });
  root.addEvent('started', { attempt: 1, 'why': 'because' }, [T0, 200_000_000] as HrTime);
  root.setStatus({ code: SpanStatusCode.OK });
  const rootContext = trace.setSpan(context.active(), root);

  const child = tracer.startSpan('step.filter', { startTime: [T0, 300_000_000] as HrTime }, rootContext);
  child.setAttribute('xray.step.reasoning', 'kept 3 of 5');
  child.addEvent('no-attributes', [T0, 400_000_000] as HrTime);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end([T0, 500_000_000] as HrTime);

  const client = tracer.startSpan('llm.call', { kind: SpanKind.CLIENT, startTime: [T0, 600_000_000] as HrTime }, rootContext);
  client.end([T0 + 1, 0] as HrTime);

  const other = provider.getTracer('other-scope');
  const consumer = other.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: [T0 + 2, 1] as HrTime });
  consumer.end([T0 + 2, 1] as HrTime);

  root.end([T0 + 3, 5] as HrTime);
  return exporter.getFinishedSpans();
}

/**
 * The same span with attribute values the SDK API cannot set yet but OTLP
 * carries (bytes, maps, nested arrays), so the serializer emits kvlist,
 * bytes and nested array values.
 */
export function withAnyValueAttributes(span: ReadableSpan): ReadableSpan {
  return withOverrides(span, {
    attributes: {
      ...span.attributes,
      'bytes': new Uint8Array([0, 1, 2, 250, 255]),
      'map': { a: 1, b: ['x', 'y'], c: { deep: true }, d: 1.5 },
      'nested.arr': [[1, 2], ['z'], []],
    } as unknown as ReadableSpan['attributes'],
  });
}

/** A copy of a recorded span with some of its fields replaced (it keeps the SDK span's methods). */
export function withOverrides(span: ReadableSpan, overrides: Record<string, unknown>): ReadableSpan {
  const descriptors = Object.fromEntries(
    Object.entries(overrides).map(([key, value]) => [key, { value, enumerable: true }]),
  );
  return Object.create(span, descriptors) as ReadableSpan;
}

export function toProtobuf(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

export function toJsonText(spans: ReadableSpan[]): string {
  return new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
}

function nanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function expectedValue(value: unknown): AttrValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(expectedValue);
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return BigInt(value).toString();
  }
  if (typeof value === 'object') return expectedAttributes(value as Record<string, unknown>);
  return value as AttrValue;
}

function expectedAttributes(attributes: Record<string, unknown>): Attributes {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, expectedValue(value)]));
}

/** What the decoders must return for a recorded span. */
export function expectedSpan(span: ReadableSpan): DecodedSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    name: span.name,
    // The API's SpanKind starts at INTERNAL = 0; OTLP's at UNSPECIFIED = 0.
    kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: nanos(event.time),
      attributes: expectedAttributes(event.attributes ?? {}),
    })),
    status: { code: span.status.code, message: span.status.message ?? '' },
    resource: expectedAttributes(span.resource.attributes),
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? '' },
  };
}

export function bySpanId<T extends { spanId: string }>(spans: T[]): T[] {
  return [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
}

/** The seeded generator the fuzz and differential tests replay failures with. */
export { createRandom } from '../../support/seeded-random.js';

// Hand-built protobuf, for bytes the official serializer never writes.

export function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A length-delimited field (wire type 2). */
export function lenField(fieldNumber: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((fieldNumber << 3) | 2), varint(payload.length), payload]);
}

/** A fixed64 field (wire type 1), little-endian. */
export function fixed64Field(fieldNumber: number, value: bigint): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeBigUInt64LE(value);
  return Buffer.concat([varint((fieldNumber << 3) | 1), payload]);
}

/** The fields of a valid Span (trace_id, span_id, name, start, end), to append more to. */
export function validSpanFields(name: Buffer = Buffer.from('span')): Buffer {
  return Buffer.concat([
    lenField(1, Buffer.alloc(16, 0xab)),
    lenField(2, Buffer.alloc(8, 0xcd)),
    lenField(5, name),
    fixed64Field(7, 1_000n),
    fixed64Field(8, 2_000n),
  ]);
}

/** ExportTraceServiceRequest { resource_spans { scope_spans { spans { <spanFields> } } } } */
export function requestWithSpan(spanFields: Buffer): Buffer {
  return lenField(1, lenField(2, lenField(2, spanFields)));
}

/** An attribute whose value is an AnyValue nested `depth` levels (arrays of arrays, a string at the bottom). */
export function nestedAttributeField(depth: number): Buffer {
  let value = lenField(1, Buffer.from('leaf'));
  for (let level = depth; level > 1; level--) value = lenField(5, lenField(1, value));
  return lenField(9, Buffer.concat([lenField(1, Buffer.from('nested')), lenField(2, value)]));
}

/** The OTLP/JSON form of the same nesting. */
export function nestedJsonValue(depth: number): unknown {
  let value: unknown = { stringValue: 'leaf' };
  for (let level = depth; level > 1; level--) value = { arrayValue: { values: [value] } };
  return value;
}
