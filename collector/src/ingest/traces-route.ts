/**
 * `POST /v1/traces`: the OTLP/HTTP trace receiver. Body -> decompress (limit
 * enforced on the decompressed size) -> decode (protobuf or JSON) -> rows for
 * the key's app -> the insert batcher. Spans ClickHouse would refuse or drop
 * (outside the retention window, too far in the future, text that is not
 * Unicode) are rejected one by one before they reach the batcher, through
 * OTLP partial success. The reply is sent only after the batcher reports the
 * rows inserted, so a 200 means stored. If ClickHouse still refuses this
 * request's data the answer is 400 (retrying cannot help); a store failure,
 * an overload or no answer within the store timeout answers 503 (retryable)
 * and nothing is acknowledged. After a timeout the rows stay queued and may
 * still be written: a retried request carries the same deduplication token
 * (its app and bytes, deduplication-token.ts), so ClickHouse stores it once.
 *
 * Who is calling is settled in an onRequest hook, before the body is read:
 * media type, key, `ingest` scope, then the caller's rate limit, so a
 * refused request costs no body parsing. The signature (when the app has
 * one) is checked on the raw bytes before anything is decompressed.
 *
 * Replies follow the OTLP spec: the same Content-Type as the request, an
 * ExportTraceServiceResponse on success (with partial_success when spans were
 * rejected), a google.rpc.Status on failure.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedKey } from '../auth/key-resolver.js';
import type { CheckRequestSignature } from '../auth/request-signing.js';
import { SIGNATURE_HEADER } from '../auth/signature.js';
import type { DecodeResult } from '../contracts/spans.js';
import type { RowBatch } from '../contracts/rows.js';
import { RETRY_AFTER_SECONDS, XRayError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { rateLimitMessage } from '../limits/index.js';
import type { RateDecision } from '../limits/index.js';
import type { CollectorMetrics } from '../metrics.js';
import { decompressBody, encodeExportResponse, encodeStatus } from '../otlp/index.js';
import type { DecodePool } from './decode-pool.js';
import { decodeRequest } from './decode-request.js';
import type { DecodedRequest } from './decode-request.js';
import { toIngestError } from './ingest-error.js';
import { StoreTimeoutError } from './store-timeout.js';

export { toIngestError } from './ingest-error.js';
import type { OtlpFormat } from '../otlp/index.js';

export interface TracesRouteOptions {
  maxBodyBytes: number;
  /** The caller behind an API key (app, prefix, scopes), or undefined. */
  resolveKey: (credential: string) => Promise<ResolvedKey | undefined>;
  credentialOf: (request: FastifyRequest) => string | undefined;
  /** Checks x-xray-signature against the raw body, as the caller's app requires. */
  checkSignature: CheckRequestSignature;
  /** Takes a token from the caller's rate-limit buckets. */
  checkRate: (caller: ResolvedKey) => Promise<RateDecision>;
  /** Keeps the spans ClickHouse will store and keep (see model/span-admission.ts). */
  admitSpans: (spans: DecodeResult['spans']) => DecodeResult;
  toRows: (appId: string, spans: DecodeResult['spans']) => RowBatch;
  /** OTLP/JSON bodies larger than this are never parsed whole (decode-request.ts; its default when omitted). */
  jsonWholeParseMaxBytes?: number;
  write: (rows: RowBatch) => Promise<void>;
  /**
   * Announces an accepted request to the insert batcher until its rows are
   * written or it gives up (the batcher's expectWrite): while none is on
   * its way, waiting rows are written at once instead of waiting for
   * companions.
   */
  expectWrite?: () => () => void;
  /** Maps a write failure to a registry code (bad data vs. overload vs. store failure). */
  classifyWriteError: (error: unknown) => ErrorCode;
  /** Longest wait for the store to confirm a write before answering 503. */
  storeTimeoutMillis: number;
  /** Accounts for the body's size after decompression; throws XRAY_ERR_OVERLOADED when it does not fit. */
  reserveDecoded?: (request: FastifyRequest, bytes: number) => void;
  metrics: CollectorMetrics;
  /**
   * Decodes bodies larger than `inlineMaxBytes` off the main thread (the
   * pool's workers use the real admission and mapping, with the clock read
   * here). Without it every body is decoded inline with the stages above.
   */
  decodePool?: { pool: DecodePool; inlineMaxBytes: number; nowNanos: () => bigint; gathersWords?: (appId: string) => boolean };
}

const MEDIA_TYPES: Record<string, OtlpFormat> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/** google.rpc.Code for each HTTP status we answer with. */
function rpcCodeFor(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

/** Bodies larger than this let the event loop run between decoding stages. */
const YIELD_ABOVE_BYTES = 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The `reason` label of `xray_spans_rejected_total` for a write failure. */
const REJECTION_REASON: Partial<Record<ErrorCode, string>> = {
  XRAY_ERR_OVERLOADED: 'overload',
  XRAY_ERR_OTLP_UNSTORABLE: 'unstorable',
  XRAY_ERR_STORE_TIMEOUT: 'timeout',
};

/**
 * Settles like `promise`, or rejects with StoreTimeoutError after
 * `millis`. The write itself goes on (its rows stay queued); its late
 * outcome is ignored, because this request has already been answered 503.
 */
function withTimeout(promise: Promise<void>, millis: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(millis)), millis);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function formatOf(request: FastifyRequest): OtlpFormat | undefined {
  const header = request.headers['content-type'];
  if (typeof header !== 'string') return undefined;
  return MEDIA_TYPES[header.split(';')[0].trim().toLowerCase()];
}

/** A body larger than this, refused before it was read, is not drained: the connection is closed instead. */
const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * True when the request was refused before its body was read and the body
 * is large (or of unknown size). Node would otherwise read and discard the
 * whole body on the main thread to keep the connection alive: under a flood
 * of large refused requests that is most of the event loop's work.
 */
function closesInsteadOfDraining(request: FastifyRequest): boolean {
  if (request.body !== undefined) return false;
  const length = request.headers['content-length'];
  if (length === undefined) return request.headers['transfer-encoding'] !== undefined;
  return Number(length) > DRAIN_MAX_BYTES;
}

function sendFailure(reply: FastifyReply, format: OtlpFormat, error: XRayError): FastifyReply {
  reply.code(error.statusCode).header('x-xray-error-code', error.code);
  if (closesInsteadOfDraining(reply.request)) reply.header('connection', 'close');
  if (error.retryable && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  const status = { code: rpcCodeFor(error.statusCode), message: `${error.code}: ${error.message}` };
  return format === 'protobuf'
    ? reply.type('application/x-protobuf').send(encodeStatus('protobuf', status))
    : reply.type('application/json').send(encodeStatus('json', status));
}

export const tracesRoute: FastifyPluginAsync<TracesRouteOptions> = async (app, options) => {
  // This scope reads every body as raw bytes: decompression and decoding are
  // ours, because the size limit must apply after decompression.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const failure = toIngestError(error);
    if (failure.code === 'XRAY_ERR_INTERNAL') request.log.error({ err: error }, 'ingest failed');
    options.metrics.spansRejected.inc({ reason: 'request' });
    return sendFailure(reply, formatOf(request) ?? 'json', failure);
  });

  // Accepted requests whose rows are not yet handed to the batcher (options.expectWrite).
  const onTheirWay = new WeakMap<FastifyRequest, () => void>();
  const arrived = (request: FastifyRequest) => {
    onTheirWay.get(request)?.();
    onTheirWay.delete(request);
  };
  // Whatever ends a request (a refusal, a failure, an abort) ends its announcement too.
  app.addHook('onResponse', async (request) => arrived(request));
  app.addHook('onRequestAbort', async (request) => arrived(request));

  // Media type, key, scope and rate limit before the body is read: a request
  // that will be refused anyway costs no parsing.
  app.addHook('onRequest', async (request, reply) => {
    const format = formatOf(request);
    if (!format) {
      const type = request.headers['content-type'] ?? '(none)';
      return sendFailure(
        reply,
        'json',
        new XRayError(
          'XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE',
          `Content-Type ${JSON.stringify(type)} is not supported; use application/x-protobuf or application/json`,
        ),
      );
    }
    const credential = options.credentialOf(request);
    const caller = credential ? await options.resolveKey(credential) : undefined;
    if (!caller) {
      options.metrics.spansRejected.inc({ reason: 'auth' });
      return sendFailure(reply, format, new XRayError(credential ? 'XRAY_ERR_AUTH_INVALID_KEY' : 'XRAY_ERR_AUTH_MISSING_KEY'));
    }
    if (!caller.scopes.includes('ingest')) {
      options.metrics.spansRejected.inc({ reason: 'auth' });
      return sendFailure(
        reply,
        format,
        new XRayError('XRAY_ERR_AUTH_SCOPE', `Key ${caller.keyPrefix}… may not send spans: it lacks the "ingest" scope`),
      );
    }
    const decision = await options.checkRate(caller);
    if (!decision.allowed) {
      options.metrics.spansRejected.inc({ reason: 'rate_limit' });
      reply.header('retry-after', String(decision.retryAfterSeconds));
      return sendFailure(reply, format, new XRayError('XRAY_ERR_RATE_LIMITED', rateLimitMessage(caller, decision)));
    }
    request.caller = caller;
    if (options.expectWrite) onTheirWay.set(request, options.expectWrite());
  });

  app.post(
    '/v1/traces',
    {
      // The raw (possibly compressed) body may not exceed the decompressed limit either.
      bodyLimit: options.maxBodyBytes,
      schema: { hide: true },
    },
    async (request, reply) => {
      // Both were settled by the onRequest hook.
      const format = formatOf(request) as OtlpFormat;
      const { appId } = request.caller as ResolvedKey;

      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // The signature covers the bytes as sent: checked before anything is decompressed.
      const signature = await options.checkSignature(appId, request.headers[SIGNATURE_HEADER], raw);
      if (!signature.ok) {
        options.metrics.spansRejected.inc({ reason: 'signature' });
        return sendFailure(reply, format, new XRayError(signature.code, signature.message));
      }
      const encoding = request.headers['content-encoding'];
      const body = await decompressBody(raw, typeof encoding === 'string' ? encoding : undefined, options.maxBodyBytes);
      if (body !== raw) options.reserveDecoded?.(request, raw.length + body.length);
      // A large body takes the main thread for a while at each stage; between
      // stages, other requests (and /healthz) get their turn.
      const offload = options.decodePool && body.length > options.decodePool.inlineMaxBytes ? options.decodePool : undefined;
      let decoded: DecodedRequest;
      if (offload) {
        decoded = await offload.pool.decode({ format, body, appId, nowNanos: offload.nowNanos(), gatherWords: offload.gathersWords?.(appId) });
      } else {
        // A large body decoded inline takes the main thread for a while at
        // each stage; between stages, other requests (and /healthz) get their turn.
        const large = body.length > YIELD_ABOVE_BYTES;
        decoded = await decodeRequest(format, body, appId, {
          admitSpans: options.admitSpans,
          toRows: options.toRows,
          jsonWholeParseMaxBytes: options.jsonWholeParseMaxBytes,
          pause: large ? yieldToEventLoop : undefined,
        });
      }
      options.metrics.bodiesDecoded.inc({ thread: offload ? 'worker' : 'inline' });
      const { rows, admittedSpans } = decoded;
      try {
        const stored = options.write(rows);
        // Its rows wait in the batcher now: no longer a write on its way.
        arrived(request);
        await withTimeout(stored, options.storeTimeoutMillis);
      } catch (error) {
        const code = options.classifyWriteError(error);
        request.log.warn({ err: error, appId, spans: admittedSpans }, 'spans not stored');
        options.metrics.spansRejected.inc({ reason: REJECTION_REASON[code] ?? 'store' }, admittedSpans);
        const message = code === 'XRAY_ERR_STORE_UNAVAILABLE' ? undefined : (error as Error).message;
        return sendFailure(reply, format, new XRayError(code, message, { cause: error }));
      }

      options.metrics.spansAccepted.inc(admittedSpans);
      if (decoded.invalidSpans > 0) options.metrics.spansRejected.inc({ reason: 'invalid' }, decoded.invalidSpans);
      if (decoded.unstorableSpans > 0) options.metrics.spansRejected.inc({ reason: 'unstorable' }, decoded.unstorableSpans);
      const partial = { rejectedSpans: decoded.invalidSpans + decoded.unstorableSpans, errorMessage: decoded.rejectionMessages.join('; ') };
      return format === 'protobuf'
        ? reply.type('application/x-protobuf').send(encodeExportResponse('protobuf', partial))
        : reply.type('application/json').send(encodeExportResponse('json', partial));
    },
  );
};
