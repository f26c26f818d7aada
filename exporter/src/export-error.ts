/**
 * What a failed export was, in words a developer can act on: the collector's
 * `XRAY_ERR_*` code (from the `x-xray-error-code` header, else the
 * google.rpc.Status message), the HTTP status or network error, and what to
 * do about it. Handed to `onError` and written once per kind to OTel `diag`.
 */

/** A failed (or partly failed) export. `kind` groups failures that need the same fix. */
export class XRayExportError extends Error {
  /** The collector's code (`XRAY_ERR_AUTH_INVALID_KEY`, …), else `HTTP_<status>`, a network code (`ECONNREFUSED`), `TIMEOUT` or `PARTIAL_SUCCESS`. */
  readonly kind: string;
  /** The collector's `XRAY_ERR_*` code, when it sent one. */
  readonly code: string | undefined;
  /** HTTP status, when a response came back. */
  readonly status: number | undefined;
  /** Whether the SDK retried (or would retry) this failure. */
  readonly retryable: boolean;
  /** What to do about it. */
  readonly hint: string;

  constructor(fields: { kind: string; code?: string; status?: number; retryable: boolean; message: string; hint?: string }) {
    const hint = fields.hint ?? hintFor(fields.kind, fields.status);
    super(`${fields.kind}: ${fields.message} (${hint})`);
    this.name = 'XRayExportError';
    this.kind = fields.kind;
    this.code = fields.code;
    this.status = fields.status;
    this.retryable = fields.retryable;
    this.hint = hint;
  }
}

const HINTS: Record<string, string> = {
  XRAY_ERR_AUTH_MISSING_KEY: 'pass apiKey, or set XRAY_API_KEY (or x-api-key in OTEL_EXPORTER_OTLP_HEADERS)',
  XRAY_ERR_AUTH_INVALID_KEY: 'the API key is unknown or revoked: issue a key for your app (`npx xray keys create`) and set XRAY_API_KEY',
  XRAY_ERR_OTLP_BODY_TOO_LARGE: "lower maxRequestBytes below the collector's XRAY_MAX_BODY_BYTES",
  XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE: 'the endpoint is not an X-Ray collector, or a proxy rewrote Content-Type',
  XRAY_ERR_OTLP_UNSUPPORTED_ENCODING: 'set compression to "gzip" or "none"',
  XRAY_ERR_OTLP_DECODE: 'the collector could not read the request: check that nothing between the SDK and the collector alters the body',
  XRAY_ERR_OVERLOADED: 'the collector is overloaded; the SDK retried after Retry-After. Raise the collector capacity or lower the export rate',
  XRAY_ERR_STORE_UNAVAILABLE: "the collector's ClickHouse refused the write; the SDK retried. Check the collector's store",
  PARTIAL_SUCCESS: 'the collector stored the execution but rejected some spans; the message says which and why',
  TIMEOUT: 'no answer within timeoutMillis: check the endpoint, or raise timeoutMillis (OTEL_EXPORTER_OTLP_TIMEOUT)',
  ECONNREFUSED: 'nothing listens at the endpoint: check endpoint / XRAY_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT and that the collector runs',
  ENOTFOUND: 'the endpoint host name does not resolve: check endpoint / XRAY_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT',
};

/** What to do about a failure of `kind`. */
export function hintFor(kind: string, status: number | undefined): string {
  const known = HINTS[kind];
  if (known !== undefined) return known;
  if (kind.startsWith('XRAY_ERR_AUTH') || kind.includes('SIGNATURE')) {
    return 'the collector refused the credentials or the request signature: check apiKey and signingSecret (XRAY_SIGNING_SECRET)';
  }
  if (status === 404) return 'no OTLP receiver at this URL: the endpoint is the collector base URL (spans go to <endpoint>/v1/traces)';
  if (status === 401 || status === 403) return 'the collector refused the credentials: check apiKey / XRAY_API_KEY';
  if (status !== undefined && status >= 500) return 'the collector failed; it is retried when the collector says it may be. See the collector log';
  if (status !== undefined) return 'the collector refused the request; the message says why';
  return 'the request did not reach the collector: check the endpoint and the network';
}

/** The `XRAY_ERR_*` code at the start of a collector message (`"XRAY_ERR_X: text"`), if any. */
export function codeInMessage(message: string): string | undefined {
  return /^(XRAY_ERR_[A-Z0-9_]+)\b/.exec(message)?.[1];
}

/**
 * The error for work dropped because the SDK was shut down or its queue was full.
 *
 * @example
 * reporter.report(dropError(closed, 'execution dropped'));
 */
export function dropError(closed: boolean, message: string): XRayExportError {
  return closed
    ? new XRayExportError({ kind: 'SHUTDOWN', retryable: false, message: `${message} after shutdown`, hint: 'end executions before shutdown()' })
    : new XRayExportError({
        kind: 'QUEUE_FULL',
        retryable: false,
        message: `${message}: queue full`,
        hint: 'the collector is slower than the pipeline: raise maxPendingExecutions / maxPendingBatches, or check the collector',
      });
}
