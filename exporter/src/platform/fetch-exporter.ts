/**
 * The browser's OTLP/HTTP exporter, on `fetch`. The browser build does not
 * use `@opentelemetry/exporter-trace-otlp-http`'s browser transport: in
 * 0.223.1 its fetch transport (transport/fetch-transport.js) discards the
 * reply body and headers, so a refusal reaches the callback only as
 * "Fetch request failed with non-retryable status N": no `XRAY_ERR_*` code
 * for `onError` (issue 9 item 4), no partial-success count, and no code at all
 * for a retryable reply. It does use `keepalive` with headers, as this one
 * does. Serialization is OpenTelemetry's (OTLP/JSON) here too.
 *
 * One `export()` is one request, retried by export-retries.ts. Never throws;
 * the result carries an XRayExportError.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { XRayExportError } from '../export-error.js';
import { networkError, notePartialSuccess, responseError, timeoutError } from '../export-outcome.js';
import { exportWithRetries, type AttemptOutcome } from '../export-retries.js';
import { parseRetryAfterMillis } from '../retry-policy.js';
import type { CountingSpanExporter, OtlpHttpExporterCounters, OtlpHttpExporterSettings } from './platform.js';

/** Chrome and Firefox refuse keepalive requests once 64 KiB are in flight; stay under it. */
const KEEPALIVE_MAX_BYTES = 60 * 1024;
const ERROR_CODE_HEADER = 'x-xray-error-code';

/**
 * Set while the page is going away (pagehide, or hidden). A request must then
 * start before the document is torn down: gzip through CompressionStream is
 * asynchronous and may never finish, so requests go uncompressed meanwhile.
 */
export const pageLifecycle = { leaving: false };

const shouldGzip = (settings: OtlpHttpExporterSettings): boolean =>
  settings.compression === 'gzip' && typeof CompressionStream === 'function' && !pageLifecycle.leaving;

/**
 * An OTLP/HTTP JSON exporter for `settings.tracesUrl` on `fetch`.
 *
 * @example
 * const exporter = createFetchExporter(settings);
 * exporter.export(spans, (result) => console.log(result.code));
 */
export function createFetchExporter(settings: OtlpHttpExporterSettings): CountingSpanExporter {
  const counters: OtlpHttpExporterCounters = { spansRejected: 0, retries: 0 };
  let closed = false;

  async function attempt(wire: Uint8Array, gzipped: boolean, remainingMillis: number): Promise<AttemptOutcome> {
    const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json' };
    if (gzipped) headers['content-encoding'] = 'gzip';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remainingMillis);
    try {
      const response = await fetch(settings.tracesUrl, {
        method: 'POST',
        headers,
        body: wire,
        keepalive: wire.byteLength <= KEEPALIVE_MAX_BYTES,
        credentials: 'omit',
        mode: 'cors',
        signal: controller.signal,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      if (response.ok) {
        notePartialSuccess(body, counters, settings.reporter);
        return { ok: true };
      }
      const error = responseError(response.status, response.headers.get(ERROR_CODE_HEADER) ?? undefined, body);
      return { ok: false, error, retryAfterMillis: parseRetryAfterMillis(response.headers.get('retry-after') ?? undefined, Date.now()) };
    } catch (error) {
      if (controller.signal.aborted) return { ok: false, error: timeoutError(settings.timeoutMillis) };
      // A CORS refusal and a network failure look the same to a page.
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: networkError('NETWORK', `${message} (network error, or the collector does not allow this page's origin)`) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(spans: ReadableSpan[]): Promise<ExportResult> {
    const json = JsonTraceSerializer.serializeRequest(spans);
    if (json === undefined) throw new Error('spans could not be serialized');
    const gzipped = shouldGzip(settings);
    const wire = gzipped ? await gzip(json) : json;
    return exportWithRetries((remainingMillis) => attempt(wire, gzipped, remainingMillis), {
      timeoutMillis: settings.timeoutMillis,
      isClosed: () => closed,
      onRetry: () => counters.retries++,
      setUnrefTimeout: (fn, millis) => setTimeout(fn, millis),
    });
  }

  return {
    counters,
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (closed) {
        resultCallback({ code: ExportResultCode.FAILED, error: new XRayExportError({ kind: 'SHUTDOWN', retryable: false, message: 'exporter is shut down', hint: 'export before shutdown()' }) });
        return;
      }
      send(spans).then(resultCallback, () =>
        resultCallback({ code: ExportResultCode.FAILED, error: new XRayExportError({ kind: 'SERIALIZATION', retryable: false, message: 'spans could not be serialized' }) }),
      );
    },
    async shutdown(): Promise<void> {
      // Exports already running finish their current attempt but are not retried.
      closed = true;
    },
    async forceFlush(): Promise<void> {},
  };
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as unknown as ArrayBuffer]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
