/**
 * The Node SDK's exporter: `@opentelemetry/exporter-trace-otlp-http`'s
 * `OTLPTraceExporter` (OTLP/JSON over node:http), sending through the X-Ray
 * agent (xray-agent.ts), which signs each request and reports what came back.
 * The only thing around the official exporter is the retry loop
 * (export-retries.ts): its own waits are not unref'd and ignore jitter for
 * Retry-After, so the agent makes each official `export()` one attempt and
 * this loop decides whether to try again. Failures become XRayExportErrors
 * naming the collector's `XRAY_ERR_*` code.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { CompressionAlgorithm, OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { XRayExportError } from '../export-error.js';
import { networkError, notePartialSuccess, responseError, timeoutError } from '../export-outcome.js';
import { exportWithRetries, type AttemptOutcome } from '../export-retries.js';
import type { CountingSpanExporter, OtlpHttpExporterCounters, OtlpHttpExporterSettings } from './platform.js';
import { attemptScope, createXRayAgentFactory, type AttemptRecord } from './xray-agent.js';

/** The SDK's export queue bounds concurrency; the official exporter's own limit (30) must not refuse first. */
const OFFICIAL_CONCURRENCY_LIMIT = 1024;

/**
 * An OTLPTraceExporter for `settings`, with the SDK's retries, signing and error reporting.
 *
 * @example
 * const exporter = createNodeOtlpExporter({ tracesUrl, headers, timeoutMillis: 10_000, compression: 'none', signingSecret: undefined, reporter });
 */
export function createNodeOtlpExporter(settings: OtlpHttpExporterSettings): CountingSpanExporter {
  const counters: OtlpHttpExporterCounters = { spansRejected: 0, retries: 0 };
  const agents = createXRayAgentFactory(settings.signingSecret);
  const official = new OTLPTraceExporter({
    url: settings.tracesUrl,
    headers: settings.headers,
    timeoutMillis: settings.timeoutMillis,
    compression: settings.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    concurrencyLimit: OFFICIAL_CONCURRENCY_LIMIT,
    httpAgentOptions: agents.factory,
  });
  let closed = false;

  /** One official export() (one request), ended at the export's deadline: the official timeout is per request, not per export. */
  function attempt(spans: ReadableSpan[], remainingMillis: number): Promise<AttemptOutcome> {
    const record: AttemptRecord = {};
    const deadline = setTimeout(() => {
      record.timedOut = true;
      record.request?.destroy();
    }, remainingMillis).unref();
    return new Promise<AttemptOutcome>((resolve) => {
      attemptScope.run(record, () => official.export(spans, (result) => resolve(outcomeOf(result, record))));
    }).finally(() => clearTimeout(deadline));
  }

  function outcomeOf(result: ExportResult, record: AttemptRecord): AttemptOutcome {
    if (result.code === ExportResultCode.SUCCESS) {
      notePartialSuccess(record.body ?? new Uint8Array(), counters, settings.reporter);
      return { ok: true };
    }
    if (record.status !== undefined) {
      // A final refusal arrives as OTLPExporterError (code: the status, data: the body); a retryable one as neither.
      const refusal = result.error instanceof OTLPExporterError ? result.error : undefined;
      const error = responseError(refusal?.code ?? record.status, record.errorCode, refusal?.data ?? record.body ?? '');
      return { ok: false, error, retryAfterMillis: record.retryAfterMillis };
    }
    if (record.timedOut === true) return { ok: false, error: timeoutError(settings.timeoutMillis) };
    if (record.networkCode !== undefined || record.networkMessage !== undefined) {
      return { ok: false, error: networkError(record.networkCode, record.networkMessage ?? 'network error') };
    }
    const message = result.error?.message ?? 'export failed';
    return { ok: false, error: new XRayExportError({ kind: 'EXPORT_FAILED', retryable: false, message, hint: 'the request could not be made; see the message' }) };
  }

  return {
    counters,
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (closed) {
        const error = new XRayExportError({ kind: 'SHUTDOWN', retryable: false, message: 'exporter is shut down', hint: 'export before shutdown()' });
        resultCallback({ code: ExportResultCode.FAILED, error });
        return;
      }
      void exportWithRetries((remainingMillis) => attempt(spans, remainingMillis), {
        timeoutMillis: settings.timeoutMillis,
        isClosed: () => closed,
        onRetry: () => counters.retries++,
        setUnrefTimeout: (fn, millis) => setTimeout(fn, millis).unref(),
      }).then(resultCallback);
    },
    async shutdown(): Promise<void> {
      // Exports already running finish their current attempt but are not retried.
      closed = true;
      await official.shutdown();
      agents.destroy();
    },
    forceFlush: () => official.forceFlush(),
  };
}
