/**
 * A real OTLP/protobuf request at the current time: spans recorded by the
 * OTel SDK and serialized by the official @opentelemetry/otlp-transformer.
 */
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A root span for `pipeline` and `stepCount` child spans, as protobuf bytes; the trace id is the execution id. */
export function protobufExecution(pipeline: string, stepCount = 2): { traceId: string; body: Buffer } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'protobuf-fixture' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('fixture');
  const root = tracer.startSpan(pipeline, { attributes: { 'xray.pipeline': pipeline } });
  const parent = trace.setSpan(context.active(), root);
  for (let i = 0; i < stepCount; i++) tracer.startSpan(`step-${i}`, {}, parent).end();
  root.end();
  const spans = exporter.getFinishedSpans();
  return { traceId: root.spanContext().traceId, body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!) };
}
