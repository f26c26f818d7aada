/**
 * The registry of every error the collector answers with. Each code is stable
 * (clients and dashboards may match on it), maps to one HTTP status, says
 * whether retrying can help, and is documented in collector/ERRORS.md (a test
 * keeps the two in step).
 *
 * OTLP rules apply to /v1/traces: 400 is never retried, 413 means the body is
 * too large, 415 the media type is wrong, 429/503 carry Retry-After.
 */

export interface ErrorDefinition {
  readonly status: number;
  readonly retryable: boolean;
  /** Default message; a raised error may carry a more specific one. */
  readonly message: string;
}

export const ERRORS = {
  XRAY_ERR_AUTH_MISSING_KEY: {
    status: 401,
    retryable: false,
    message: 'No API key: send it as "Authorization: Bearer xr_..." or "x-api-key: xr_..."',
  },
  XRAY_ERR_AUTH_INVALID_KEY: { status: 401, retryable: false, message: 'The API key is unknown or revoked' },
  XRAY_ERR_AUTH_ADMIN_REQUIRED: {
    status: 403,
    retryable: false,
    message: 'This route needs the admin token (XRAY_ADMIN_TOKEN), not an app key',
  },
  XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryable: false,
    message: 'Content-Type must be application/x-protobuf or application/json',
  },
  XRAY_ERR_OTLP_UNSUPPORTED_ENCODING: {
    status: 415,
    retryable: false,
    message: 'Content-Encoding must be gzip, deflate or identity',
  },
  XRAY_ERR_OTLP_BODY_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is larger than the limit' },
  XRAY_ERR_OTLP_DECODE: { status: 400, retryable: false, message: 'The request body is not a valid OTLP trace request' },
  XRAY_ERR_VALIDATION: { status: 400, retryable: false, message: 'The request is invalid' },
  XRAY_ERR_BAD_CURSOR: { status: 400, retryable: false, message: 'The pagination cursor is malformed or expired' },
  XRAY_ERR_NOT_FOUND: { status: 404, retryable: false, message: 'No such resource' },
  XRAY_ERR_CONFLICT: { status: 409, retryable: false, message: 'The resource already exists' },
  XRAY_ERR_ROUTE_NOT_FOUND: { status: 404, retryable: false, message: 'No such route' },
  XRAY_ERR_SQL_REJECTED: {
    status: 400,
    retryable: false,
    message: 'Only one read-only statement (SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN) is allowed',
  },
  XRAY_ERR_SQL_FAILED: { status: 400, retryable: false, message: 'ClickHouse refused the query' },
  XRAY_ERR_OVERLOADED: { status: 503, retryable: true, message: 'The collector is overloaded; retry later' },
  XRAY_ERR_STORE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: 'ClickHouse did not accept the write; nothing was acknowledged, retry later',
  },
  XRAY_ERR_INTERNAL: { status: 500, retryable: true, message: 'Internal error' },
  XRAY_ERR_DECODE_WORKER_LOST: {
    status: 503,
    retryable: true,
    message: 'The worker decoding the request stopped; nothing of it was stored, retry later',
  },
  XRAY_ERR_SQL_LIMIT_EXCEEDED: {
    status: 400,
    retryable: false,
    message: 'The statement hit a sandbox limit (time, memory or rows read)',
  },
  XRAY_ERR_SQL_BUSY: { status: 429, retryable: true, message: 'Too many admin SQL statements are running; retry later' },
  XRAY_ERR_KEY_PREFIX_TOO_SHORT: {
    status: 400,
    retryable: false,
    message: 'Give the whole key prefix as listed (11 characters, e.g. xr_AbCdEfGh)',
  },
  XRAY_ERR_AUTH_SCOPE: {
    status: 403,
    retryable: false,
    message: 'The API key lacks the scope this route needs ("ingest" for /v1/traces, "read" for the query API)',
  },
  XRAY_ERR_RATE_LIMITED: {
    status: 429,
    retryable: true,
    message: "Too many requests for this key or app; retry after Retry-After seconds",
  },
  XRAY_ERR_SIGNATURE_MISSING: {
    status: 401,
    retryable: false,
    message: 'This app requires signed requests: send x-xray-signature',
  },
  XRAY_ERR_SIGNATURE_STALE: {
    status: 401,
    retryable: false,
    message: "The signature's timestamp is outside the allowed window",
  },
  XRAY_ERR_SIGNATURE_INVALID: {
    status: 401,
    retryable: false,
    message: 'The signature is malformed or does not match the body and an active signing secret',
  },
  XRAY_ERR_OTLP_UNSTORABLE: {
    status: 400,
    retryable: false,
    message: "ClickHouse refused this request's data; retrying the same spans cannot succeed",
  },
  XRAY_ERR_STORE_TIMEOUT: {
    status: 503,
    retryable: true,
    message: 'ClickHouse did not confirm the write in time; nothing was acknowledged, retry later',
  },
  XRAY_ERR_CORS_ORIGIN_NOT_ALLOWED: {
    status: 403,
    retryable: false,
    message: "The request's Origin is not allowed to send spans for this app",
  },
  XRAY_ERR_URL_TOO_LONG: { status: 414, retryable: false, message: 'A path segment of the URL is too long' },
  XRAY_ERR_BAD_URL: { status: 400, retryable: false, message: 'The URL is not validly percent-encoded' },
  XRAY_ERR_LIVE_TOO_MANY_STREAMS: {
    status: 429,
    retryable: true,
    message: 'This app already holds as many live streams as the collector allows (XRAY_LIVE_MAX_STREAMS_PER_APP)',
  },
  XRAY_ERR_LIVE_BAD_EVENT_ID: { status: 400, retryable: false, message: 'Last-Event-ID is not an id this stream sent' },
  XRAY_ERR_WEBHOOK_URL_INVALID: {
    status: 400,
    retryable: false,
    message: 'A webhook URL must be an absolute http:// or https:// URL without credentials or fragment',
  },
  XRAY_ERR_WEBHOOK_URL_FORBIDDEN: {
    status: 400,
    retryable: false,
    message: 'The webhook URL points at a loopback, private or link-local address the operator has not allowed (XRAY_WEBHOOK_ALLOW_PRIVATE)',
  },
  XRAY_ERR_WEBHOOK_LIMIT: { status: 409, retryable: false, message: 'The app already has as many webhooks as allowed' },
  XRAY_ERR_WEBHOOK_DISABLED: { status: 409, retryable: false, message: 'The webhook is disabled' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/** Seconds a client should wait before retrying a retryable error. */
export const RETRY_AFTER_SECONDS = 2;

/** An error raised on purpose, carrying a registry code. */
export class XRayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: unknown }) {
    super(message ?? ERRORS[code].message, { cause: options?.cause });
    this.name = 'XRayError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.details = options?.details;
  }
}

/** The JSON body of every error reply from the query API. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; retryable: boolean; details?: unknown };
}

export function toErrorBody(error: XRayError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, retryable: error.retryable } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}
