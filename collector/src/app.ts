/**
 * buildApp(): wires the collector's parts into a Fastify instance. It never
 * listens (main.ts does) so tests drive it with inject() or listen on port 0.
 * This is the only module that imports otlp/, model/ and store/ together.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { adminRoutes } from './api/admin-routes.js';
import { DEFAULT_LIST_HEAD_ROWS, LIST_HEAD_APPS, createListHead, type ListHead } from './api/list-head.js';
import { DEFAULT_EXECUTION_CACHE_BYTES, DEFAULT_EXECUTION_CACHE_MAX_AGE_MILLIS, createExecutionCache } from './api/execution-cache.js';
import { executionRoutes } from './api/execution-routes.js';
import { createSearchSieves } from './api/search-sieves.js';
import type { SearchSieves } from './api/search-sieves.js';
import { createStepSearchIndex } from './api/step-search-index.js';
import { stepPayloadRoutes } from './api/step-payload-routes.js';
import { executionSearchRoutes } from './api/execution-search-routes.js';
import { createStepPagesRepository } from './store/step-pages.js';
import { createExecutionSearchRepository } from './store/execution-search.js';
import { statsRoutes } from './api/stats-routes.js';
import { corsAdminRoutes, createBrowserIngest } from './cors/index.js';
import { secretsEqual } from './auth/api-key.js';
import { credentialFrom } from './auth/credentials.js';
import { compareRoutes } from './compare/index.js';
import { createExportRepository, exportRoutes } from './export/index.js';
import { createLiveHub, createLiveRepository, liveRoutes } from './live/index.js';
import { createKeyResolver } from './auth/key-resolver.js';
import { createSignatureCheck } from './auth/request-signing.js';
import { createSecretBox } from './auth/secret-box.js';
import { createSigningKeyring } from './auth/signing-keyring.js';
import { signingRoutes } from './auth/signing-routes.js';
import type { KeyResolver, ResolvedKey } from './auth/key-resolver.js';
import type { Scope } from './auth/scopes.js';
import { RETRY_AFTER_SECONDS, XRayError, toErrorBody } from './errors.js';
import type { ErrorCode } from './errors.js';
import { StoreTimeoutError } from './ingest/store-timeout.js';
import { tracesRoute } from './ingest/traces-route.js';
import { createDecodePool, DEFAULT_DECODE_INLINE_MAX_BYTES, defaultDecodeThreads } from './ingest/decode-pool.js';
import type { DecodePool } from './ingest/decode-pool.js';
import { createRateLimiter, limitsRoutes, rateLimitMessage } from './limits/index.js';
import { createMetrics } from './metrics.js';
import type { CollectorMetrics } from './metrics.js';
import { admitSpans } from './model/span-admission.js';
import { DEFAULT_MAX_INFLIGHT_BYTES } from './limits/in-flight-bytes.js';
import { addIngestLimits } from './limits/ingest-pressure.js';
import { createAudit, toAuditEntry } from './audit/index.js';
import type { Audit } from './audit/index.js';
import { addRequestLog } from './request-log/index.js';
import type { RequestLogOptions } from './request-log/index.js';
import { healthRoutes } from './routes/health.js';
import { versionRoutes } from './routes/version.js';
import { costRoutes, createCostRepository, rowMapper } from './cost/index.js';
import type { PriceTable } from './cost/index.js';
import { createDeletionRepository, deletionRoutes } from './deletion/index.js';
import { createRetentionRepository, createRetentionSweeper, retentionRoutes } from './retention/index.js';
import { createScoresRepository, scoreFilter, scoreRoutes, toLatestScores, toLatestScoresByExecution } from './scores/index.js';
import type { ReplyStore } from './store/reply-store.js';
import { createReplyBuilder } from './api/reply-builder.js';
import type { ReplyBuilder } from './api/reply-builder.js';
import { createSqlSandbox, sqlRoute } from './sql-sandbox/index.js';
import { DEFAULT_WEBHOOK_SETTINGS, createWebhooks } from './webhooks/index.js';
import type { WebhookSettings } from './webhooks/index.js';
import type { SqlLimits } from './sql-sandbox/index.js';
import { ClickHouseError, OverloadedError, UnstorableRowsError } from './store/index.js';
import type { ClickHouseBackend, RateLimit, Store } from './store/index.js';
import { createAppCache } from './store/app-cache.js';
import { createEngineMemoryReader } from './process-memory.js';
import { startBufferReclaimer } from './buffer-reclaimer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app of the caller's API key; set by the auth hook of every /api/v1 route. */
    appId: string;
    /** The caller's key (app, prefix, scopes); set by the auth hooks of /v1/traces and /api/v1. */
    caller: ResolvedKey | null;
  }
  interface FastifyContextConfig {
    /** The key scope a /api/v1 route needs; `read` when unset (auth/scopes.ts). */
    scope?: Scope;
  }
}

export interface BuildAppOptions {
  store: Store;
  /** How long a key lookup is trusted (XRAY_KEY_CACHE_TTL_SECONDS): a revocation through another collector takes effect here within it. 30 s when omitted. */
  keyCacheTtlMillis?: number;
  /**
   * The cache of finished executions' detail replies (api/execution-cache.ts):
   * its byte budget (XRAY_EXECUTION_CACHE_BYTES, 0 = off; 64 MiB when
   * omitted) and how long an entry is trusted (XRAY_EXECUTION_CACHE_MAX_AGE_SECONDS).
   */
  executionCache?: { maxBytes: number; maxAgeMillis: number };
  /**
   * The reply store (store/reply-store.ts, api/reply-builder.ts): finished
   * executions' replies of settled days on disk in `path`, built by a job
   * every `intervalMillis` once a day has been quiet `settleMillis`, keeping
   * `cacheBytes` of decompressed replies and word look-ups for step search (the store's default
   * when omitted). Only with the embedded engine (this process the only
   * writer); none when omitted.
   */
  replyStore?: {
    path: string;
    settleMillis: number;
    intervalMillis: number;
    cacheBytes?: number;
    /**
     * Step search's sieves of the recent days' words (api/search-sieves.ts;
     * XRAY_SEARCH_SIEVES): on unless false. They cost ingest about 2 us of
     * decode-worker CPU a step (bench/README.md).
     */
    searchSieves?: boolean;
  };
  /**
   * The list head (api/list-head.ts): the newest `maxRows` executions of each
   * of the apps listed most recently, in memory (XRAY_LIST_HEAD_ROWS, 0 = off;
   * DEFAULT_LIST_HEAD_ROWS when omitted). Only with the embedded engine (this
   * process the only writer).
   */
  listHead?: { maxRows: number };
  /** How long an app's settings and signing secrets are trusted (XRAY_APP_CACHE_TTL_SECONDS). 30 s when omitted. */
  appCacheTtlMillis?: number;
  /** Largest accepted OTLP body, after decompression. */
  maxBodyBytes: number;
  /** Token for /api/v1/admin; admin routes answer 403 when unset. */
  adminToken?: string;
  /** A pino logger; none when omitted. */
  logger?: FastifyBaseLogger;
  /** Include Node process metrics in /metrics. */
  defaultMetrics?: boolean;
  /** Limits of admin SQL (rows, time, memory, threads, concurrency); defaults in sql-sandbox/limits.ts. */
  sqlLimits?: Partial<SqlLimits>;
  /** Rate limit of apps without their own (XRAY_RATE_LIMIT_RPS / _BURST); 200 requests/s, burst 400 when omitted. */
  rateLimit?: RateLimit;
  /** Key lookups in the store (cache misses) allowed for all callers together; 200/s, burst 1,000 when omitted. */
  keyLookupLimit?: RateLimit;
  /** How far a signed request's timestamp may be from now, either way (XRAY_SIGNATURE_WINDOW_SECONDS); 300 when omitted. */
  signatureWindowSeconds?: number;
  /**
   * 32 bytes that encrypt signing secrets at rest (auth/master-key.ts). main.ts
   * always passes one; without it a random key lives only as long as this app,
   * so secrets it issues cannot be read after a restart (fine for tests).
   */
  masterKey?: Buffer;
  /** How far in the future a span may end; 3600 s when omitted. */
  maxFutureSkewSeconds?: number;
  /** Longest an OTLP request waits for ClickHouse to confirm its write; 10 s when omitted. */
  storeTimeoutMillis?: number;
  /** OTLP request bytes held at once before new requests are refused; 32 MiB when omitted. */
  maxInFlightBytes?: number;
  /** Event-loop delay beyond which OTLP requests are refused; 1000 ms when omitted, 0 turns the check off. */
  maxEventLoopDelayMillis?: number;
  /**
   * V8 external memory (buffers) above which a minor collection frees dead
   * ones (buffer-reclaimer.ts), MB; off when omitted or 0 (a process-wide
   * setting: the collector's main.ts turns it on, a test's app does not).
   */
  gcExternalMb?: number;
  /** Where admin SQL runs, e.g. a server backend logged in as a read-only user; the store's backend when omitted. */
  sqlBackend?: ClickHouseBackend;
  /** Days the audit log is kept (XRAY_AUDIT_RETENTION_DAYS); the migration's 90 when omitted. */
  auditRetentionDays?: number;
  /** The per-request log line: every request at info instead of debug, and what counts as slow. */
  requestLog?: RequestLogOptions;
  /** Live tail limits; defaults: 20 streams per app, a heartbeat every 15 s. */
  live?: { maxStreamsPerApp?: number; heartbeatMillis?: number };
  /** How often per-app retention is applied (XRAY_RETENTION_SWEEP_SECONDS); hourly when omitted, 0 turns the periodic sweep off. */
  retentionSweepMillis?: number;
  /** Alert webhooks: SSRF allow-list, retries, timeouts, evaluation interval (XRAY_WEBHOOK_*); webhooks/index.ts has the defaults. */
  webhooks?: Partial<WebhookSettings>;
  /** Prices per model (XRAY_PRICE_TABLE): steps with gen_ai model and tokens but no cost get an estimated one at ingest. */
  priceTable?: PriceTable;
  /**
   * Decoding off the main thread (ingest/decode-pool.ts): worker threads
   * (`threads`: the cores but one when omitted, 0 decodes everything inline),
   * bodies above `inlineMaxBytes` (64 KiB when omitted) go to them, each
   * worker's heap limit in MB (1024 when omitted).
   */
  decode?: { threads?: number; inlineMaxBytes?: number; workerHeapMb?: number; niceness?: number; jsonWholeParseMaxBytes?: number };
}

/** Longest path parameter Fastify routes (ids are at most 256 characters, percent-encoded up to 12 bytes each). */
const MAX_PARAM_LENGTH = 256 * 12;

export interface XRayApp {
  app: FastifyInstance;
  /** Alert webhooks (tests wait on `idle()` and call `evaluator.evaluate()`). */
  webhooks: ReturnType<typeof createWebhooks>;
  metrics: CollectorMetrics;
  keys: KeyResolver;
  /** The audit log (its writer's flush() makes queued entries readable at once). */
  audit: Audit;
  /** The decode worker pool, when bodies are decoded off the main thread. */
  decodePool?: DecodePool;
  /** The reply store's builder, when there is a reply store (tests run its passes). */
  replyBuilder?: ReplyBuilder;
  /** The list head, with the embedded engine unless turned off. */
  listHead?: ListHead;
  /** Step search's sieves of the recent days' words, with the reply store unless turned off (tests wait for their seeds). */
  searchSieves?: SearchSieves;
}

/** Maps why the batcher did not store a request's rows onto the code the request is answered with. */
export function classifyWriteError(error: unknown): ErrorCode {
  if (error instanceof OverloadedError) return 'XRAY_ERR_OVERLOADED';
  if (error instanceof UnstorableRowsError) return 'XRAY_ERR_OTLP_UNSTORABLE';
  if (error instanceof StoreTimeoutError) return 'XRAY_ERR_STORE_TIMEOUT';
  return 'XRAY_ERR_STORE_UNAVAILABLE';
}

/** Maps anything a query route throws onto a registry error. */
function toApiError(error: unknown): XRayError {
  if (error instanceof XRayError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      path: issue.instancePath || '/',
      message: issue.message ?? 'invalid',
    }));
    const message = issues.map((issue) => `${error.validationContext ?? 'request'}${issue.path}: ${issue.message}`).join('; ');
    return new XRayError('XRAY_ERR_VALIDATION', message, { details: issues });
  }
  if (!(error instanceof Error)) return new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new XRayError('XRAY_ERR_VALIDATION', 'Send the body as application/json');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error as SyntaxError).name === 'SyntaxError' || code?.startsWith('FST_ERR_CTP')) {
    return new XRayError('XRAY_ERR_VALIDATION', `The body is not valid JSON: ${error.message}`);
  }
  if (error instanceof OverloadedError) return new XRayError('XRAY_ERR_OVERLOADED', error.message);
  if (error instanceof ClickHouseError) return new XRayError('XRAY_ERR_STORE_UNAVAILABLE', 'ClickHouse did not answer the query', { cause: error });
  return new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
}

function sendApiError(request: FastifyRequest, reply: FastifyReply, error: XRayError): FastifyReply {
  if (error.statusCode >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
  reply.code(error.statusCode).header('x-xray-error-code', error.code);
  if (error.retryable && error.statusCode !== 500 && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  }
  return reply.type('application/json').send(toErrorBody(error));
}

function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendApiError(request, reply, new XRayError('XRAY_ERR_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
}

/**
 * Builds the collector around an open store.
 *
 * @example
 * const store = await openStore({ backend: { kind: 'embedded', dataDir }, migrationsDir, batch });
 * const { app } = await buildApp({ store, maxBodyBytes: 16 << 20 });
 * await app.listen({ host: '127.0.0.1', port: 0 });
 */
export async function buildApp(options: BuildAppOptions): Promise<XRayApp> {
  const { store } = options;
  // Fastify's own URL errors (bad percent-encoding, a too-long parameter) answer in the registry's shape too.
  const frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    sendApiError(
      request,
      reply,
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new XRayError('XRAY_ERR_URL_TOO_LONG')
        : error.code === 'FST_ERR_BAD_URL'
          ? new XRayError('XRAY_ERR_BAD_URL')
          : toApiError(error),
    );
  // Fastify's two info lines per request are replaced by request-log/ (one line, at debug).
  const common = {
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  };
  const app: FastifyInstance = options.logger
    ? Fastify({ ...common, loggerInstance: options.logger, requestIdHeader: 'x-request-id' })
    : Fastify({ ...common, logger: false });
  addRequestLog(app, options.requestLog);
  // Set before any plugin is registered, so every route without its own handler (health, version) answers in the registry's shape.
  app.setErrorHandler((error, request, reply) => sendApiError(request, reply, toApiError(error)));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('appId', '');
  app.decorateRequest('caller', null);

  // Recently listed apps' newest executions; the flush listener and the deletions below marks or drops what it changes.
  const listHeadRows = options.listHead?.maxRows ?? DEFAULT_LIST_HEAD_ROWS;
  const listHead: ListHead | undefined =
    store.backend.kind === 'embedded' && listHeadRows > 0
      ? createListHead({ source: store.executions, maxRows: listHeadRows, maxApps: LIST_HEAD_APPS, horizonMillis: () => Date.now() - store.retentionDays * 86_400_000 })
      : undefined;
  // Step search's sieves of the recent days' words (api/search-sieves.ts), made below with the reply store.
  const withSearchSieves = options.replyStore !== undefined && options.replyStore.searchSieves !== false;
  const metrics = createMetrics({
    defaultMetrics: options.defaultMetrics,
    pendingRows: () => store.batcher.pendingRows,
    arrivingRequests: () => store.batcher.writesOnTheirWay,
    rollupThroughMillis: () => store.rollups.throughMillis,
    engineMemory: store.backend.kind === 'embedded' ? createEngineMemoryReader(store.backend) : undefined,
    allocatorPurges: store.backend.allocatorPurges === undefined ? undefined : () => store.backend.allocatorPurges ?? 0,
    detailReads: () => ({ memory: executionCache.stats.hits, store: executionCache.stats.tierHits, engine: executionCache.stats.misses }),
    listReads: listHead && (() => ({ head: listHead.stats.hits, engine: listHead.stats.misses, rows: listHead.rows, fromIngest: listHead.stats.fromIngest, refreshes: listHead.stats.refreshes })),
    stepSearches: options.replyStore && (() => searchIndex?.stats ?? { index: 0, engine: 0 }),
    searchSieves: withSearchSieves ? () => searchSieves?.stats ?? { sieves: 0, ready: 0, bytes: 0, ruledOut: 0 } : undefined,
    replyStore: options.replyStore && (() => ({ days: replyStore?.stats.days ?? 0, waiting: replyBuilder?.waiting ?? 0, replies: replyStore?.stats.entries ?? 0, cacheBytes: replyStore?.stats.cacheBytes ?? 0 })),
  });
  if (options.gcExternalMb) {
    const reclaimer = startBufferReclaimer({ limitBytes: options.gcExternalMb * 1024 * 1024, registry: metrics.registry });
    app.addHook('onClose', async () => reclaimer.stop());
  }
  const stopFlushMetrics = store.batcher.onFlush((info) => {
    metrics.insertBatches.inc({ outcome: info.ok ? 'ok' : 'error' });
    metrics.insertDuration.observe(info.millis / 1000);
    metrics.insertRows.observe(info.rows);
  });
  const liveRepository = createLiveRepository(store.backend);
  const liveHub = createLiveHub({ repository: liveRepository, maxStreamsPerApp: options.live?.maxStreamsPerApp ?? 20 });
  const stopLive = store.batcher.onFlush((info) => liveHub.onFlush(info));
  app.addHook('onClose', async () => {
    stopFlushMetrics();
    stopLive();
  });
  const keys = createKeyResolver({
    lookup: (hash) => store.apps.findKeyByHash(hash),
    knownTtlMillis: options.keyCacheTtlMillis,
    lookupLimit: options.keyLookupLimit,
    onLookupThrottled: () => metrics.rateLimited.inc({ app: '(unknown key)', limit: 'key_lookups', route: 'any' }),
  });
  const appSettings = createAppCache({ load: (appId) => store.appSettings.get(appId), ttlMillis: options.appCacheTtlMillis });
  const box = createSecretBox(options.masterKey ?? randomBytes(32));
  const keyring = createSigningKeyring({
    repository: store.signingSecrets,
    cacheTtlMillis: options.appCacheTtlMillis,
    box,
    onUnreadable: (appId, secretPrefix, error) =>
      app.log.error({ appId, secretPrefix, err: error }, 'a signing secret cannot be opened with this master key (XRAY_SECRET_KEY / secret.key); it is ignored'),
  });
  const checkSignature = createSignatureCheck({
    settingsOf: (appId) => appSettings.get(appId),
    secretsOf: (appId) => keyring.activeSecrets(appId),
    windowSeconds: options.signatureWindowSeconds ?? 300,
  });
  const limiter = createRateLimiter({
    settingsOf: (appId) => appSettings.get(appId),
    defaults: options.rateLimit ?? { requestsPerSecond: 200, burst: 400 },
    onLimited: (appId, limit, route) => metrics.rateLimited.inc({ app: appId, limit, route }),
  });
  const webhooks = createWebhooks({
    backend: store.backend,
    box,
    settings: { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks },
    cacheTtlMillis: options.appCacheTtlMillis,
    registry: metrics.registry,
    log: app.log,
  });
  const stopWebhookDetection = store.batcher.onFlush((info) => webhooks.onFlush(info));
  app.addHook('onReady', async () => webhooks.start());
  app.addHook('onClose', async () => {
    stopWebhookDetection();
    await webhooks.stop();
  });
  const isAdminToken = (credential: string) => !!options.adminToken && secretsEqual(credential, options.adminToken);
  const audit = await createAudit({ backend: store.backend, registry: metrics.registry, retentionDays: options.auditRetentionDays, isAdminToken });
  audit.attach(app);

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'X-Ray collector API', version: '1.0.0', description: 'Query API for executions and steps stored by X-Ray.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An app API key (xr_...)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { ping: () => store.backend.ping(), metrics });
  await app.register(versionRoutes);

  const browserIngest = createBrowserIngest({ backend: store.backend, credentialOf: (request) => credentialFrom(request.headers), resolveApp: async (credential) => (credential ? (await keys.resolve(credential))?.appId : undefined) });

  const admission = { retentionDays: store.retentionDays, maxFutureSkewSeconds: options.maxFutureSkewSeconds ?? 3600 };
  const decodeThreads = options.decode?.threads ?? defaultDecodeThreads();
  const decodePool =
    decodeThreads > 0
      ? createDecodePool({
          threads: decodeThreads,
          admission,
          // Workers encode the steps for the insert when the backend takes encoded rows (the embedded engine).
          encodeSteps: store.backend.encodedRowsFormat !== undefined,
          // ... and count them for the list head, which then adds a new execution without reading it back;
          countSteps: listHead !== undefined,
          maxWorkerHeapMb: options.decode?.workerHeapMb,
          niceness: options.decode?.niceness,
          jsonWholeParseMaxBytes: options.decode?.jsonWholeParseMaxBytes,
          priceTable: options.priceTable,
        })
      : undefined;
  if (decodePool) app.addHook('onClose', async () => decodePool.close());

  await app.register(async (ingest) => {
    // CORS first, so a preflight is answered before the ingest limits; in this scope only, so no other route runs its hooks.
    await browserIngest.register(ingest);
    const limits = await addIngestLimits(ingest, {
      maxInFlightBytes: options.maxInFlightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES,
      maxBodyBytes: options.maxBodyBytes,
      maxEventLoopDelayMillis: options.maxEventLoopDelayMillis,
      registry: metrics.registry,
    });
    await ingest.register(tracesRoute, {
      maxBodyBytes: options.maxBodyBytes,
      resolveKey: (credential) => keys.resolve(credential),
      credentialOf: (request) => credentialFrom(request.headers),
      checkRate: (caller) => limiter.check(caller, 'ingest'),
      checkSignature,
      admitSpans: (spans) => admitSpans(spans, BigInt(Date.now()) * 1_000_000n, admission),
      toRows: rowMapper(options.priceTable),
      jsonWholeParseMaxBytes: options.decode?.jsonWholeParseMaxBytes,
      write: (rows) => store.batcher.write(rows),
      expectWrite: () => store.batcher.expectWrite(),
      classifyWriteError,
      storeTimeoutMillis: options.storeTimeoutMillis ?? 10_000,
      metrics,
      reserveDecoded: limits.reserveDecoded,
      decodePool: decodePool && {
        pool: decodePool,
        inlineMaxBytes: options.decode?.inlineMaxBytes ?? DEFAULT_DECODE_INLINE_MAX_BYTES,
        nowNanos: () => BigInt(Date.now()) * 1_000_000n,
        // Only the apps with a sieve of step search (below) pay for gathering their words.
        gathersWords: (appId) => searchSieves?.gathers(appId) === true,
      },
    });
  });

  // Finished executions' detail replies, in memory and (embedded) on disk; every write path below forgets what it changes.
  if (options.replyStore && store.backend.kind !== 'embedded') throw new Error('The reply store needs the embedded engine: other writers share a server');
  // LMDB's native addon is an optional dependency (a server deployment's image omits it): loaded only for a reply store.
  const replyStore: ReplyStore | undefined = options.replyStore && (await import('./store/reply-store.js')).openReplyStore(options.replyStore.path, { cacheBytes: options.replyStore.cacheBytes });
  // The recent days' words, learnt from every batch before it is stored, so a search rules out today without the engine.
  const searchSieves =
    replyStore && withSearchSieves
      ? createSearchSieves({
          backend: store.backend,
          writesSettled: () => store.batcher.settled(),
          onSeedError: (error, appId, day) => app.log.warn({ err: error, appId, day }, "step search: reading a day's words failed; its searches ask the engine"),
        })
      : undefined;
  if (searchSieves) {
    const stopLearning = store.batcher.onWrite((batch) => searchSieves.wrote(batch));
    app.addHook('onClose', async () => {
      stopLearning();
      searchSieves.stop();
    });
  }
  // Step search through the reply store's words for the settled days it serves (api/step-search-index.ts).
  const searchIndex = replyStore && createStepSearchIndex(replyStore, searchSieves);
  const storedScores = createScoresRepository(store.backend);
  // Started once the app is ready.
  const replyBuilder: ReplyBuilder | undefined =
    replyStore &&
    options.replyStore &&
    createReplyBuilder({
      backend: store.backend,
      store: replyStore,
      timelinesOfDay: (appId, day, fromId, toId) => store.executions.timelinesOfDay(appId, day, fromId, toId),
      latestScoresOfRange: async (appId, fromId, toId) => toLatestScoresByExecution(await storedScores.listRange(appId, fromId, toId)),
      settleMillis: options.replyStore.settleMillis,
      intervalMillis: options.replyStore.intervalMillis,
      beforeBuild: (day) => searchIndex?.building(day),
      onListing: searchIndex && (() => searchIndex.listing()),
      logger: app.log,
    });
  const executionCache = createExecutionCache({
    maxBytes: options.executionCache?.maxBytes ?? DEFAULT_EXECUTION_CACHE_BYTES,
    maxAgeMillis: options.executionCache?.maxAgeMillis ?? DEFAULT_EXECUTION_CACHE_MAX_AGE_MILLIS,
    horizonMillis: () => Date.now() - store.retentionDays * 86_400_000,
    secondTier: replyStore,
  });
  const forgetFailed = (error: unknown) => app.log.error({ err: error }, 'reply store: forgetting a changed execution failed');
  const stopCacheInvalidation = store.batcher.onFlush((info) => {
    for (const [appId, executionId] of info.touched) executionCache.invalidate(appId, executionId).catch(forgetFailed);
    searchIndex?.touched(info.days);
    listHead?.wrote(info);
  });
  app.addHook('onClose', async () => stopCacheInvalidation());
  const erasing = createDeletionRepository(store.backend, { cluster: store.cluster });
  // A deletion by filter names no ids: the app's cached executions are forgotten, before and after, and
  // the reply store stops serving every day whose rows it changed before the deletion is answered.
  // Deletions run between rollup passes (store/rollups.ts).
  const deletion: typeof erasing = {
    async deleteExecutions(appId, filter, deleteOptions) {
      executionCache.invalidateApp(appId);
      listHead?.forgetApp(appId);
      try {
        // No rollup pass runs meanwhile: one that read the rows before the delete would put them back after the rebuild.
        return await store.rollups.exclusive(() => erasing.deleteExecutions(appId, filter, deleteOptions));
      } finally {
        executionCache.invalidateApp(appId);
        listHead?.forgetApp(appId);
        await replyBuilder?.check();
      }
    },
    async deleteApp(appId, deleteOptions) {
      executionCache.invalidateApp(appId);
      listHead?.forgetApp(appId);
      try {
        return await store.rollups.exclusive(() => erasing.deleteApp(appId, deleteOptions));
      } finally {
        executionCache.invalidateApp(appId);
        listHead?.forgetApp(appId);
        await replyBuilder?.check();
      }
    },
  };
  const retention = createRetentionRepository(store.backend);
  const sweeper = createRetentionSweeper({
    list: () => retention.list(),
    deleteBefore: async (appId, beforeMillis) => {
      const startedAtMillis = Date.now();
      const deleted = await deletion.deleteExecutions(appId, { toMillis: beforeMillis }, { keepRollups: true });
      // A sweep erases data with no request behind it: its own audit entry says what and why.
      if (deleted.executions + deleted.steps + deleted.scores > 0) {
        audit.writer.record(
          toAuditEntry({
            method: 'DELETE',
            path: `/api/v1/admin/apps/${appId}/retention`,
            route: 'retention-sweep',
            query: undefined,
            params: { appId },
            body: { to: new Date(beforeMillis).toISOString() },
            reply: { deleted },
            appId,
            actor: 'retention',
            status: 200,
            rows: deleted.executions,
            durationMillis: Date.now() - startedAtMillis,
            requestId: randomUUID(),
            startedAtMillis,
          }),
        );
      }
      return deleted.executions;
    },
    intervalMillis: options.retentionSweepMillis ?? 3_600_000,
    onError: (error) => app.log.error({ err: error }, 'per-app retention sweep failed; the next one retries'),
  });
  if (options.retentionSweepMillis !== 0) {
    app.addHook('onReady', async () => sweeper.start());
    app.addHook('onClose', async () => sweeper.stop());
  }
  // Stored rows reach the rollups through the job (store/rollups.ts); until then the _live views read them raw.
  app.addHook('onReady', async () =>
    store.rollups.start({
      onPass: (pass) => {
        metrics.rollupPasses.inc({ outcome: 'ok' });
        metrics.rollupDuration.observe(pass.millis / 1000);
      },
      onError: (error) => {
        metrics.rollupPasses.inc({ outcome: 'error' });
        app.log.error({ err: error }, 'rollup pass failed; the next one folds the same rows again');
      },
    }),
  );
  app.addHook('onClose', async () => store.rollups.stop());
  // Days changed while this process was down (a crash between a write and its forget) are dropped before any request.
  app.addHook('onReady', async () => replyBuilder?.start());
  app.addHook('onClose', async () => {
    await replyBuilder?.stop();
    await replyStore?.close();
  });

  await app.register(
    async (api) => {
      api.setErrorHandler((error, request, reply) => sendApiError(request, reply, toApiError(error)));
      api.setNotFoundHandler((request, reply) =>
        sendNotFound(request, reply),
      );

      await api.register(async (scoped) => {
        scoped.addHook('onRequest', async (request, reply) => {
          const credential = credentialFrom(request.headers);
          if (!credential) throw new XRayError('XRAY_ERR_AUTH_MISSING_KEY');
          const caller = await keys.resolve(credential);
          if (!caller) throw new XRayError('XRAY_ERR_AUTH_INVALID_KEY');
          const scope = request.routeOptions.config?.scope ?? 'read';
          if (!caller.scopes.includes(scope)) {
            const what = scope === 'read' ? 'use the query API' : `${request.method} ${request.routeOptions.url}`;
            throw new XRayError('XRAY_ERR_AUTH_SCOPE', `Key ${caller.keyPrefix}… may not ${what}: it lacks the "${scope}" scope`);
          }
          const decision = await limiter.check(caller, 'read');
          if (!decision.allowed) {
            reply.header('retry-after', String(decision.retryAfterSeconds));
            throw new XRayError('XRAY_ERR_RATE_LIMITED', rateLimitMessage(caller, decision));
          }
          request.caller = caller;
          request.appId = caller.appId;
        });
        // A new score changes the execution's detail reply: forgotten before (a reply on disk must not outlive a
        // crash during the insert) and after (a read or a build that ran meanwhile may hold the old scores).
        const scores: typeof storedScores = {
          ...storedScores,
          async insert(score) {
            await executionCache.invalidate(score.appId, score.executionId);
            try {
              await storedScores.insert(score);
            } finally {
              await executionCache.invalidate(score.appId, score.executionId);
            }
          },
        };
        await scoped.register(executionRoutes, {
          executions: store.executions,
          scoreFilter,
          latestScores: async (appId, executionId) => toLatestScores(await scores.list(appId, executionId)),
          cache: executionCache,
          listHead,
          searchIndex,
        });
        await scoped.register(stepPayloadRoutes, { stepPages: createStepPagesRepository(store.backend), executions: store.executions });
        await scoped.register(executionSearchRoutes, { search: createExecutionSearchRepository(store.backend) });
        await scoped.register(scoreRoutes, { scores });
        await scoped.register(statsRoutes, { stats: store.stats });
        await scoped.register(costRoutes, { cost: createCostRepository(store.backend) });
        await scoped.register(compareRoutes, { executions: store.executions });
        await scoped.register(exportRoutes, { repository: createExportRepository(store.backend, store.executions) });
        await scoped.register(webhooks.routes, webhooks.routeOptions);
        await scoped.register(liveRoutes, { hub: liveHub, repository: liveRepository, heartbeatMillis: options.live?.heartbeatMillis ?? 15_000 });
      });

      await api.register(
        async (admin) => {
          admin.addHook('onRequest', async (request) => {
            const credential = credentialFrom(request.headers);
            if (!credential) throw new XRayError('XRAY_ERR_AUTH_MISSING_KEY', 'No admin token: send it as "Authorization: Bearer <token>"');
            if (!options.adminToken || !secretsEqual(credential, options.adminToken)) {
              throw new XRayError('XRAY_ERR_AUTH_ADMIN_REQUIRED');
            }
          });
          await admin.register(adminRoutes, { apps: store.apps, onKeysChanged: () => keys.invalidate() });
          await admin.register(sqlRoute, { sandbox: createSqlSandbox({ backend: options.sqlBackend ?? store.backend, limits: options.sqlLimits }) });
          await admin.register(signingRoutes, { apps: store.apps, settings: store.appSettings, keyring, onSettingsChanged: (appId) => appSettings.invalidate(appId) });
          await admin.register(retentionRoutes, { retention, sweeper, apps: store.apps, globalDays: store.retentionDays });
          await admin.register(deletionRoutes, {
            deletion,
            apps: store.apps,
            onAppDeleted: (appId) => {
              keys.invalidate();
              appSettings.invalidate(appId);
              webhooks.forgetApp(appId);
            },
          });
          await admin.register(limitsRoutes, { apps: store.apps, settings: store.appSettings, limiter, onSettingsChanged: (appId) => appSettings.invalidate(appId) });
          await admin.register(audit.routes);
          await admin.register(corsAdminRoutes, browserIngest.adminOptions(store.apps));
        },
        { prefix: '/admin' },
      );
    },
    { prefix: '/api/v1' },
  );

  app.setNotFoundHandler((request, reply) =>
    sendNotFound(request, reply),
  );

  return { app, metrics, keys, audit, webhooks, decodePool, replyBuilder, listHead, searchSieves };
}
