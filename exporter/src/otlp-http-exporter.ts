/**
 * The SDK's own OTLP/HTTP span exporter. It exists, instead of
 * `@opentelemetry/exporter-trace-otlp-http`, because X-Ray needs four things
 * that exporter hides: the exact bytes on the wire (to sign them with
 * `x-xray-signature`), the response headers (the collector's
 * `x-xray-error-code`), jitter on `Retry-After`, and timers that never keep
 * the process alive. Serialization is OpenTelemetry's own (OTLP/JSON); the
 * request goes through the platform (node:http, or fetch in a browser).
 *
 * One `export()` is one request, retried (429/502/503/504 and network errors)
 * until it succeeds, fails for good, or would not finish by `timeoutMillis`.
 * Never throws; the result carries an XRayExportError.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { codeInMessage, XRayExportError } from './export-error.js';
import type { ExportErrorReporter } from './export-error-reporter.js';
import type { HttpResponse, Platform } from './platform/platform.js';
import { isRetryableStatus, parseRetryAfterMillis, RETRY_DEFAULTS, retryDelayMillis } from './retry-policy.js';
import { signatureHeader, SIGNATURE_HEADER } from './signature.js';

export interface OtlpHttpExporterSettings {
  readonly tracesUrl: string;
  /** Sent on every request; names in lowercase. */
  readonly headers: Record<string, string>;
  readonly timeoutMillis: number;
  readonly compression: 'gzip' | 'none';
  readonly signingSecret: string | undefined;
  /** Told about partial successes (the export itself succeeded). */
  readonly reporter: ExportErrorReporter;
}

/** Counters the owner's `stats()` reads. */
export interface OtlpHttpExporterCounters {
  /** Spans the collector answered 200 for but rejected (OTLP partial success). */
  spansRejected: number;
  /** Requests sent again after a retryable failure. */
  retries: number;
}

const ERROR_CODE_HEADER = 'x-xray-error-code';
const decoder = new TextDecoder();

/**
 * An OTLP/HTTP JSON exporter for `settings.tracesUrl`.
 *
 * @example
 * const exporter = createOtlpHttpExporter(settings, nodePlatform);
 * exporter.export(spans, (result) => console.log(result.code));
 */
export function createOtlpHttpExporter(
  settings: OtlpHttpExporterSettings,
  platform: Platform,
  random: () => number = Math.random,
): SpanExporter & { readonly counters: OtlpHttpExporterCounters } {
  const counters: OtlpHttpExporterCounters = { spansRejected: 0, retries: 0 };
  let closed = false;

  async function attempt(wire: Uint8Array, remainingMillis: number): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json' };
    if (settings.compression === 'gzip') headers['content-encoding'] = 'gzip';
    if (settings.signingSecret !== undefined && platform.hmacSha256Hex !== undefined) {
      headers[SIGNATURE_HEADER] = await signatureHeader(settings.signingSecret, wire, Date.now(), platform.hmacSha256Hex);
    }
    return platform.send({ url: settings.tracesUrl, headers, body: wire, timeoutMillis: remainingMillis });
  }

  async function exportWithRetries(spans: ReadableSpan[]): Promise<ExportResult> {
    const deadline = Date.now() + settings.timeoutMillis;
    let json: Uint8Array | undefined;
    try {
      json = JsonTraceSerializer.serializeRequest(spans);
    } catch {
      json = undefined; // reported just below, as a serialization failure rather than a network one
    }
    if (json === undefined) return failed(new XRayExportError({ kind: 'SERIALIZATION', retryable: false, message: 'spans could not be serialized' }));
    const wire = settings.compression === 'gzip' && platform.gzip !== undefined ? await platform.gzip(json) : json;
    for (let attemptNumber = 1; ; attemptNumber++) {
      const remaining = deadline - Date.now();
      let failure: XRayExportError;
      let retryAfterMillis: number | undefined;
      try {
        const response = await attempt(wire, Math.max(1, remaining));
        if (response.status >= 200 && response.status < 300) {
          notePartialSuccess(response);
          return { code: ExportResultCode.SUCCESS };
        }
        failure = responseError(response);
        retryAfterMillis = parseRetryAfterMillis(response.header('retry-after'), Date.now());
      } catch (error) {
        failure = networkError(error, settings.timeoutMillis);
      }
      if (!failure.retryable || closed || attemptNumber >= RETRY_DEFAULTS.maxAttempts) return failed(failure);
      const delay = retryDelayMillis(attemptNumber, retryAfterMillis, random);
      if (Date.now() + delay >= deadline) return failed(failure);
      counters.retries++;
      await new Promise<void>((resolve) => platform.setUnrefTimeout(resolve, delay));
    }
  }

  function notePartialSuccess(response: HttpResponse): void {
    if (response.body.length === 0) return;
    const reply = JsonTraceSerializer.deserializeResponse(response.body);
    const rejected = Number(reply.partialSuccess?.rejectedSpans ?? 0);
    if (rejected > 0) {
      counters.spansRejected += rejected;
      const message = reply.partialSuccess?.errorMessage ?? '';
      settings.reporter.report(
        new XRayExportError({ kind: 'PARTIAL_SUCCESS', retryable: false, message: `${rejected} span(s) rejected: ${message}` }),
      );
    }
  }

  return {
    counters,
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (closed) {
        resultCallback(failed(new XRayExportError({ kind: 'SHUTDOWN', retryable: false, message: 'exporter is shut down', hint: 'export before shutdown()' })));
        return;
      }
      exportWithRetries(spans).then(resultCallback, (error: unknown) => resultCallback(failed(networkError(error, settings.timeoutMillis))));
    },
    async shutdown(): Promise<void> {
      // Exports already running finish their current attempt but are not retried.
      closed = true;
    },
    async forceFlush(): Promise<void> {},
  };
}

function failed(error: XRayExportError): ExportResult {
  return { code: ExportResultCode.FAILED, error };
}

/** Reads the collector's code from the header, else from the google.rpc.Status body. */
function responseError(response: HttpResponse): XRayExportError {
  const message = statusMessage(response.body);
  const code = response.header(ERROR_CODE_HEADER) ?? codeInMessage(message);
  return new XRayExportError({
    kind: code ?? `HTTP_${response.status}`,
    code,
    status: response.status,
    retryable: isRetryableStatus(response.status),
    message: `HTTP ${response.status}${message === '' ? '' : `: ${message}`}`,
  });
}

/** The message of a JSON google.rpc.Status body, or the start of whatever text came back. */
function statusMessage(body: Uint8Array): string {
  if (body.length === 0) return '';
  const text = decoder.decode(body.subarray(0, 4096));
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): show its start.
  }
  return text.slice(0, 200).replace(/\s+/g, ' ').trim();
}

function networkError(error: unknown, timeoutMillis: number): XRayExportError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ETIMEDOUT' || code === 'TIMEOUT' || (error as { name?: string } | null)?.name === 'TimeoutError') {
    return new XRayExportError({ kind: 'TIMEOUT', retryable: true, message: `no answer within ${timeoutMillis} ms` });
  }
  return new XRayExportError({ kind: typeof code === 'string' ? code : 'NETWORK', retryable: true, message });
}

