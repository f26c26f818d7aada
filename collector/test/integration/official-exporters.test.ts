/**
 * The collector must accept what the official OpenTelemetry JS exporters
 * send, not only our SDK: http/json and http/protobuf, with and without gzip.
 * Real tracer, real exporter, real HTTP, real ClickHouse.
 */
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { expectPipelineStored, runPipeline } from '../support/instrumented-pipeline.js';

const encodings = [
  { name: 'http/json', make: (url: string, key: string, gzip: boolean) => new OTLPJsonExporter({ url, headers: { 'x-api-key': key }, compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE }) },
  { name: 'http/protobuf', make: (url: string, key: string, gzip: boolean) => new OTLPProtoExporter({ url, headers: { authorization: `Bearer ${key}` }, compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE }) },
] as const;

describe('official OpenTelemetry exporters', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector();
  });
  afterAll(async () => {
    await harness?.close();
  });

  for (const encoding of encodings) {
    for (const gzip of [false, true]) {
      it(`accepts ${encoding.name}${gzip ? ' with gzip' : ''}`, async () => {
        const pipeline = `official-${encoding.name}-${gzip ? 'gzip' : 'plain'}`;
        const exporter = encoding.make(`${harness.url}/v1/traces`, harness.apiKey, gzip);
        const traceId = await runPipeline(exporter, pipeline);

        await expectPipelineStored(harness, traceId, pipeline);
      });
    }
  }
});
