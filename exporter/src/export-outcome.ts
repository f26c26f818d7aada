/**
 * What one export attempt came to, in the SDK's terms, whatever transport
 * made it: the collector's `XRAY_ERR_*` code (the `x-xray-error-code` header,
 * else the start of the google.rpc.Status message), the HTTP status, or the
 * network failure; and the spans a 200 reply says were rejected. Shared by
 * the Node exporter (OpenTelemetry's) and the browser's fetch exporter.
 */
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { codeInMessage, XRayExportError } from './export-error.js';
import type { ExportErrorReporter } from './export-error-reporter.js';
import type { OtlpHttpExporterCounters } from './platform/platform.js';
import { isRetryableStatus } from './retry-policy.js';

const decoder = new TextDecoder();

/**
 * The error for a non-2xx reply.
 *
 * @example
 * responseError(401, 'XRAY_ERR_AUTH_INVALID_KEY', body).kind; // 'XRAY_ERR_AUTH_INVALID_KEY'
 */
export function responseError(status: number, headerCode: string | undefined, body: Uint8Array | string): XRayExportError {
  const message = statusMessage(body);
  const code = headerCode ?? codeInMessage(message);
  return new XRayExportError({
    kind: code ?? `HTTP_${status}`,
    code,
    status,
    retryable: isRetryableStatus(status),
    message: `HTTP ${status}${message === '' ? '' : `: ${message}`}`,
  });
}

/** The error for a request that got no reply: a network `code` (ECONNREFUSED, …) when known. */
export function networkError(code: unknown, message: string): XRayExportError {
  return new XRayExportError({ kind: typeof code === 'string' && code !== '' ? code : 'NETWORK', retryable: true, message });
}

/** The error for a request that got no answer in time. */
export function timeoutError(timeoutMillis: number): XRayExportError {
  return new XRayExportError({ kind: 'TIMEOUT', retryable: true, message: `no answer within ${timeoutMillis} ms` });
}

/**
 * Counts and reports the spans a successful reply's OTLP partial success rejected.
 *
 * @example
 * notePartialSuccess(replyBody, counters, reporter);
 */
export function notePartialSuccess(body: Uint8Array, counters: OtlpHttpExporterCounters, reporter: ExportErrorReporter): void {
  if (body.length === 0) return;
  let rejected = 0;
  let message = '';
  try {
    const reply = JsonTraceSerializer.deserializeResponse(body);
    rejected = Number(reply.partialSuccess?.rejectedSpans ?? 0);
    message = reply.partialSuccess?.errorMessage ?? '';
  } catch {
    return; // A 2xx with a body that is not an OTLP reply: the export still succeeded.
  }
  if (rejected > 0) {
    counters.spansRejected += rejected;
    reporter.report(new XRayExportError({ kind: 'PARTIAL_SUCCESS', retryable: false, message: `${rejected} span(s) rejected: ${message}` }));
  }
}

/** The message of a JSON google.rpc.Status body, or the start of whatever text came back. */
function statusMessage(body: Uint8Array | string): string {
  if (body.length === 0) return '';
  const text = typeof body === 'string' ? body.slice(0, 4096) : decoder.decode(body.subarray(0, 4096));
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): show its start.
  }
  return text.slice(0, 200).replace(/\s+/g, ' ').trim();
}
