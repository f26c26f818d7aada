/**
 * The collector's configuration, read from the environment once at start-up
 * and validated with zod. Every key, its default and its meaning is here; a
 * bad value stops start-up with a message naming the key, the value and what
 * was expected. Only main.ts (and the CLI) pass `process.env` in.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isMasterKeyText } from './auth/master-key.js';
import { loadPriceTable } from './cost/price-table.js';
import type { PriceTable } from './cost/price-table.js';
import { DEFAULT_MAX_INFLIGHT_BYTES } from './limits/in-flight-bytes.js';
import { isCidr } from './webhooks/address-policy.js';
import { DEFAULT_LIST_HEAD_ROWS } from './api/list-head.js';
import { DEFAULT_ROLLUP_INTERVAL_MILLIS } from './store/rollups.js';
import { DEFAULT_ENGINE_MEMORY_SOFT_LIMIT_MB } from './store/engine-allocator.js';
import { PLAIN_IDENTIFIER } from './store/sql.js';
import { DEFAULT_DECODE_INLINE_MAX_BYTES, DEFAULT_DECODE_NICENESS, defaultDecodeThreads } from './ingest/decode-pool.js';
import { DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES } from './ingest/decode-request.js';

const API_KEY_PATTERN = /^xr_[A-Za-z0-9_-]{16,128}$/;

// An empty or blank value means "unset", as for the string keys below: coerced
// as is, '' would become 0, so `XRAY_PORT=` would silently listen on a random port.
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** Where the migrations ship: clickhouse/migrations at the repository (or image) root. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../clickhouse/migrations', import.meta.url));

export const EnvSchema = z.object({
  XRAY_HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  XRAY_PORT: intFromEnv(4318, 0, 65535),
  // OTLP/gRPC. "off" disables it; unset means 4317, or a free port when XRAY_PORT=0.
  XRAY_GRPC_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim().toLowerCase() === 'off' ? 'off' : blankToUndefined(value)),
    z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).optional(),
  ),
  XRAY_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('.xray/data')),
  XRAY_API_KEY: optionalString.refine((value) => value === undefined || API_KEY_PATTERN.test(value), {
    message: 'expected "xr_" followed by 16 to 128 letters, digits, "_" or "-"',
  }),
  XRAY_READ_API_KEY: optionalString.refine((value) => value === undefined || API_KEY_PATTERN.test(value), {
    message: 'expected "xr_" followed by 16 to 128 letters, digits, "_" or "-"',
  }),
  XRAY_ADMIN_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 16, {
    message: 'expected at least 16 characters',
  }),
  XRAY_DEFAULT_APP: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).default('default'),
  XRAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  XRAY_LOG_REQUESTS: z.preprocess(
    blankToUndefined,
    z.enum(['true', 'false', '1', '0'], { message: 'expected true or false' }).default('false').transform((v) => v === 'true' || v === '1'),
  ),
  XRAY_SLOW_REQUEST_MILLIS: intFromEnv(1000, 1, 3_600_000),
  XRAY_MAX_BODY_BYTES: intFromEnv(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  XRAY_BATCH_MAX_ROWS: intFromEnv(20_000, 1, 1_000_000),
  XRAY_BATCH_MAX_WAIT_MILLIS: intFromEnv(20, 0, 10_000),
  XRAY_MAX_PENDING_ROWS: intFromEnv(500_000, 1, 100_000_000),
  // Each request its own (deduplicated) insert; unset = per backend (store/index.ts).
  XRAY_INSERT_PER_REQUEST: z.preprocess(blankToUndefined, z.enum(['true', 'false']).optional()),
  XRAY_KEY_CACHE_TTL_SECONDS: intFromEnv(30, 1, 3_600),
  XRAY_APP_CACHE_TTL_SECONDS: intFromEnv(30, 1, 3_600),
  XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB: intFromEnv(DEFAULT_ENGINE_MEMORY_SOFT_LIMIT_MB, 0, 1024 * 1024),
  // Finished executions' replies of settled days on disk (store/reply-store.ts); unset = on with the embedded engine.
  XRAY_REPLY_STORE: z.preprocess(blankToUndefined, z.enum(['on', 'off']).optional()),
  XRAY_REPLY_STORE_SETTLE_SECONDS: intFromEnv(3600, 0, 30 * 86_400),
  XRAY_REPLY_STORE_INTERVAL_SECONDS: intFromEnv(60, 1, 86_400),
  // Bytes step search keeps in memory (decompressed replies, word look-ups); 0 = none (store/reply-store.ts: DEFAULT_REPLY_CACHE_BYTES, not imported here: it loads lmdb).
  XRAY_REPLY_STORE_CACHE_BYTES: intFromEnv(16 * 1024 * 1024, 0, 16 * 1024 * 1024 * 1024),
  // Step search's sieves of the recent days' words (api/search-sieves.ts), with the reply store; unset = on.
  XRAY_SEARCH_SIEVES: z.preprocess(blankToUndefined, z.enum(['on', 'off']).optional()),
  // Recently listed apps' newest executions in memory (api/list-head.ts); 0 = off, off with a server.
  XRAY_LIST_HEAD_ROWS: intFromEnv(DEFAULT_LIST_HEAD_ROWS, 0, 1_000_000),
  XRAY_EXECUTION_CACHE_BYTES: intFromEnv(64 * 1024 * 1024, 0, 16 * 1024 * 1024 * 1024),
  XRAY_EXECUTION_CACHE_MAX_AGE_SECONDS: intFromEnv(60, 0, 86_400),
  XRAY_MIGRATIONS_DIR: z.string().default(DEFAULT_MIGRATIONS_DIR),
  XRAY_RETENTION_DAYS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(36_500).optional()),
  XRAY_AUDIT_RETENTION_DAYS: intFromEnv(90, 1, 36_500),
  XRAY_ADMIN_SQL_MAX_ROWS: intFromEnv(10_000, 1, 1_000_000),
  XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS: intFromEnv(30, 1, 3_600),
  XRAY_ADMIN_SQL_MAX_MEMORY_BYTES: intFromEnv(1024 * 1024 * 1024, 16 * 1024 * 1024, 1024 * 1024 * 1024 * 1024),
  XRAY_ADMIN_SQL_MAX_THREADS: intFromEnv(2, 1, 256),
  XRAY_ADMIN_SQL_MAX_CONCURRENT: intFromEnv(2, 1, 64),
  XRAY_RATE_LIMIT_RPS: z.preprocess(blankToUndefined, z.coerce.number().positive().max(1_000_000).default(200)),
  XRAY_RATE_LIMIT_BURST: intFromEnv(400, 1, 10_000_000),
  XRAY_SIGNATURE_WINDOW_SECONDS: intFromEnv(300, 1, 86_400),
  XRAY_SECRET_KEY: optionalString.refine((value) => value === undefined || isMasterKeyText(value), {
    message: 'expected 32 random bytes as base64, base64url or 64 hex digits (e.g. `openssl rand -base64 32`)',
  }),
  XRAY_MAX_FUTURE_SKEW_SECONDS: intFromEnv(3600, 0, 366 * 86_400),
  XRAY_STORE_TIMEOUT_MILLIS: intFromEnv(10_000, 100, 600_000),
  XRAY_MAX_EVENT_LOOP_DELAY_MILLIS: intFromEnv(1000, 0, 60_000),
  XRAY_RETENTION_SWEEP_SECONDS: intFromEnv(3600, 0, 7 * 86_400),
  XRAY_ROLLUP_INTERVAL_MILLIS: intFromEnv(DEFAULT_ROLLUP_INTERVAL_MILLIS, 0, 3_600_000),
  XRAY_ROLLUP_LAG_MILLIS: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(3_600_000).optional()),
  XRAY_MAX_INFLIGHT_BYTES: intFromEnv(DEFAULT_MAX_INFLIGHT_BYTES, 1024, 16 * 1024 * 1024 * 1024),
  XRAY_DECODE_THREADS: intFromEnv(defaultDecodeThreads(), 0, 64),
  XRAY_DECODE_INLINE_MAX_BYTES: intFromEnv(DEFAULT_DECODE_INLINE_MAX_BYTES, 0, 1024 * 1024 * 1024),
  XRAY_DECODE_WORKER_HEAP_MB: intFromEnv(1024, 64, 64 * 1024),
  XRAY_DECODE_NICENESS: intFromEnv(DEFAULT_DECODE_NICENESS, 0, 19),
  XRAY_JSON_WHOLE_PARSE_MAX_BYTES: intFromEnv(DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES, 0, 1024 * 1024 * 1024),
  XRAY_GC_EXTERNAL_MB: intFromEnv(16, 0, 1024 * 1024),
  XRAY_ADMIN_SQL_CLICKHOUSE_USER: optionalString,
  XRAY_ADMIN_SQL_CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_URL: optionalString.refine((value) => value === undefined || /^https?:\/\//.test(value), {
    message: 'expected an http:// or https:// URL',
  }),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(PLAIN_IDENTIFIER).default('default'),
  CLICKHOUSE_REQUEST_TIMEOUT_MILLIS: intFromEnv(30_000, 100, 600_000),
  CLICKHOUSE_CLUSTER: optionalString.refine((value) => value === undefined || PLAIN_IDENTIFIER.test(value), {
    message: 'expected the cluster name from remote_servers (letters, digits, "_")',
  }),
  XRAY_LIVE_MAX_STREAMS_PER_APP: intFromEnv(20, 1, 10_000),
  XRAY_LIVE_HEARTBEAT_SECONDS: intFromEnv(15, 1, 3600),
  // Alert webhooks (webhooks/): addresses deliveries may reach although private, retries, deadlines.
  XRAY_WEBHOOK_ALLOW_PRIVATE: optionalString
    .transform((value) => (value === undefined ? [] : value.split(',').map((part) => part.trim()).filter((part) => part !== '')))
    .refine((list) => list.every(isCidr), { message: 'expected comma-separated addresses or CIDR ranges, e.g. 10.20.0.0/16,127.0.0.1' }),
  XRAY_WEBHOOK_TIMEOUT_MILLIS: intFromEnv(10_000, 100, 120_000),
  XRAY_WEBHOOK_MAX_ATTEMPTS: intFromEnv(12, 1, 100),
  XRAY_WEBHOOK_MAX_AGE_SECONDS: intFromEnv(86_400, 1, 30 * 86_400),
  XRAY_WEBHOOK_BACKOFF_BASE_MILLIS: intFromEnv(5_000, 1, 3_600_000),
  XRAY_WEBHOOK_BACKOFF_MAX_MILLIS: intFromEnv(3_600_000, 1, 86_400_000),
  XRAY_WEBHOOK_EVALUATE_MILLIS: intFromEnv(30_000, 0, 86_400_000),
  XRAY_PUBLIC_URL: optionalString.refine((value) => value === undefined || /^https?:\/\/[^/]+(\/.*)?$/.test(value), {
    message: 'expected the http(s) URL users reach this collector at, e.g. https://xray.example.com',
  }),
  // Prices per model for steps without a cost (cost/price-table.ts): inline JSON or a file path; unset = no estimates.
  XRAY_PRICE_TABLE: optionalString,
});

export interface CollectorConfig {
  host: string;
  port: number;
  /** OTLP/gRPC port (0 = a free one); undefined when gRPC is off. */
  grpcPort: number | undefined;
  dataDir: string;
  apiKey: string | undefined;
  /** A read-only key for the default app (for Grafana), registered at start. */
  readApiKey: string | undefined;
  adminToken: string | undefined;
  defaultApp: string;
  logLevel: z.infer<typeof EnvSchema>['XRAY_LOG_LEVEL'];
  /** Log every request at info (true) instead of debug; 5xx and slow requests are logged at warn either way. */
  logRequests: boolean;
  /** A request slower than this is logged at warn. */
  slowRequestMillis: number;
  maxBodyBytes: number;
  batch: { maxBatchRows: number; maxWaitMillis: number; maxPendingRows: number; insertPerRequest?: boolean };
  /** How long a known key's lookup is trusted: the bound on a revocation reaching every collector. */
  keyCacheTtlSeconds: number;
  /** How long an app's settings and signing secrets are trusted, likewise. */
  appCacheTtlSeconds: number;
  /** Finished executions' detail replies: byte budget (0 = off) and how long one is trusted (0 = until invalidated). */
  executionCache: { maxBytes: number; maxAgeSeconds: number };
  /**
   * The reply store (XRAY_REPLY_STORE): its folder (XRAY_DATA_DIR/replies),
   * how long a day must be quiet before it is built, and how often the
   * builder looks, and the bytes of decompressed replies kept for step
   * search; undefined when off, and always with a ClickHouse server
   * (another collector could change what this one stored).
   */
  replyStore: { path: string; settleSeconds: number; intervalSeconds: number; cacheBytes: number; searchSieves: boolean } | undefined;
  /** Executions the list head keeps per app (XRAY_LIST_HEAD_ROWS); 0 when off, and always with a ClickHouse server. */
  listHeadRows: number;
  migrationsDir: string;
  /** Days raw data is kept; undefined keeps the migrations' 30 days. */
  retentionDays: number | undefined;
  /** Days audit_log keeps its entries. */
  auditRetentionDays: number;
  /** Limits of admin SQL, enforced inside ClickHouse (sql-sandbox/). */
  adminSql: { maxRows: number; maxExecutionSeconds: number; maxMemoryBytes: number; maxThreads: number; maxConcurrent: number };
  /** Rate limit of every app without its own. */
  rateLimit: { requestsPerSecond: number; burst: number };
  /** How far a signed request's timestamp may be from now, either way. */
  signatureWindowSeconds: number;
  /** Master key for signing secrets at rest (XRAY_SECRET_KEY); undefined = XRAY_DATA_DIR/secret.key. */
  secretKey: string | undefined;
  /** How far in the future a span may end before it is rejected. */
  maxFutureSkewSeconds: number;
  /** Longest an OTLP request waits for ClickHouse to confirm its write before answering 503. */
  storeTimeoutMillis: number;
  /** Request bytes (as sent, and after decompression) that may be held by OTLP requests at once. */
  maxInFlightBytes: number;
  /** Event-loop delay beyond which OTLP requests are refused; 0 turns the check off. */
  maxEventLoopDelayMillis: number;
  /** V8 external memory (buffers) above which a minor collection frees dead ones (buffer-reclaimer.ts), MB; 0 turns it off. */
  gcExternalMb: number;
  /**
   * Decode worker threads (0: decode inline), the largest body decoded inline, each worker's heap limit in MB, their
   * nice value (0: none), and the largest OTLP/JSON body parsed whole (larger ones are read span by span, ingest/decode-request.ts).
   */
  decode: { threads: number; inlineMaxBytes: number; workerHeapMb: number; niceness: number; jsonWholeParseMaxBytes: number };
  /** How often per-app retention is applied; 0 = only when an app's retention is set. */
  retentionSweepSeconds: number;
  /** The rollup job (store/rollups.ts): time between passes (0: none), and how late another process's row may become visible (undefined: the backend's default). */
  rollups: { intervalMillis: number; lagMillis: number | undefined };
  clickhouse:
    | { kind: 'embedded'; dataDir: string; memorySoftLimitBytes: number }
    | {
        kind: 'server';
        url: string;
        username: string;
        password: string;
        database: string;
        requestTimeoutMillis: number;
        /** CLICKHOUSE_CLUSTER: the migrations run ON CLUSTER, reads and writes go through Distributed tables. */
        cluster: string | undefined;
        /** A read-only ClickHouse user for admin SQL (the collector's own user writes). */
        sqlUser?: { username: string; password: string };
      };
  /** Live tail (GET /api/v1/executions/stream). */
  live: { maxStreamsPerApp: number; heartbeatMillis: number };
  /** Alert webhooks (webhooks/index.ts). */
  webhooks: {
    allowPrivate: string[];
    timeoutMillis: number;
    retry: { baseMillis: number; maxMillis: number; maxAttempts: number; maxAgeMillis: number };
    /** 0 = threshold conditions are never evaluated. */
    evaluateMillis: number;
    /** Prefix of links in events; '' gives paths. */
    publicUrl: string;
  };
  /** XRAY_PRICE_TABLE, parsed: fills in the cost of steps with gen_ai model and tokens but no cost; undefined = none. */
  priceTable: PriceTable | undefined;
}

/** Keys whose values are secrets: an error names them but never prints their value. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['XRAY_API_KEY', 'XRAY_ADMIN_TOKEN', 'CLICKHOUSE_PASSWORD']);

/** A value as a config error shows it: quoted, or for a secret only its length; a URL without its password. */
function describeValue(key: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (SECRET_KEYS.has(key)) return `(hidden, ${value.length} characters)`;
  if (key === 'CLICKHOUSE_URL') return JSON.stringify(value.replace(/\/\/[^/@]*@/, '//…@'));
  return JSON.stringify(value);
}

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment and returns the configuration.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming the bad key
 */
export function loadConfig(env: Record<string, string | undefined>): CollectorConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `${key}=${describeValue(key, env[key])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.CLICKHOUSE_CLUSTER !== undefined && e.CLICKHOUSE_URL === undefined) {
    throw new ConfigError(
      `Invalid configuration:\n  CLICKHOUSE_CLUSTER=${JSON.stringify(env.CLICKHOUSE_CLUSTER)}: cluster mode needs a ClickHouse server; set CLICKHOUSE_URL too`,
    );
  }
  if (e.XRAY_READ_API_KEY !== undefined && e.XRAY_READ_API_KEY === e.XRAY_API_KEY) {
    throw new ConfigError('Invalid configuration:\n  XRAY_READ_API_KEY: must differ from XRAY_API_KEY (that key can also send spans)');
  }
  if (e.XRAY_ADMIN_SQL_CLICKHOUSE_USER && !e.CLICKHOUSE_URL) {
    throw new ConfigError(
      `Invalid configuration:\n  XRAY_ADMIN_SQL_CLICKHOUSE_USER=${JSON.stringify(env.XRAY_ADMIN_SQL_CLICKHOUSE_USER)}: needs CLICKHOUSE_URL (the embedded engine has no users)`,
    );
  }
  if (e.XRAY_REPLY_STORE === 'on' && e.CLICKHOUSE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  XRAY_REPLY_STORE=on: needs the embedded engine (unset CLICKHOUSE_URL); with a server, other collectors write rows this one could not forget',
    );
  }
  if (env.XRAY_LIST_HEAD_ROWS?.trim() && e.XRAY_LIST_HEAD_ROWS > 0 && e.CLICKHOUSE_URL) {
    throw new ConfigError(
      `Invalid configuration:\n  XRAY_LIST_HEAD_ROWS=${e.XRAY_LIST_HEAD_ROWS}: needs the embedded engine (unset CLICKHOUSE_URL, or set 0); with a server, other collectors write executions this one would not see`,
    );
  }
  let priceTable: PriceTable | undefined;
  if (e.XRAY_PRICE_TABLE !== undefined) {
    try {
      priceTable = loadPriceTable(e.XRAY_PRICE_TABLE);
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  XRAY_PRICE_TABLE=${describeValue('XRAY_PRICE_TABLE', env.XRAY_PRICE_TABLE)}: ${(error as Error).message}`);
    }
  }
  const dataDir = resolve(e.XRAY_DATA_DIR);
  return {
    host: e.XRAY_HOST,
    port: e.XRAY_PORT,
    grpcPort: e.XRAY_GRPC_PORT === 'off' ? undefined : (e.XRAY_GRPC_PORT ?? (e.XRAY_PORT === 0 ? 0 : 4317)),
    dataDir,
    apiKey: e.XRAY_API_KEY,
    readApiKey: e.XRAY_READ_API_KEY,
    adminToken: e.XRAY_ADMIN_TOKEN,
    defaultApp: e.XRAY_DEFAULT_APP,
    logLevel: e.XRAY_LOG_LEVEL,
    logRequests: e.XRAY_LOG_REQUESTS,
    slowRequestMillis: e.XRAY_SLOW_REQUEST_MILLIS,
    maxBodyBytes: e.XRAY_MAX_BODY_BYTES,
    batch: {
      maxBatchRows: e.XRAY_BATCH_MAX_ROWS,
      maxWaitMillis: e.XRAY_BATCH_MAX_WAIT_MILLIS,
      maxPendingRows: e.XRAY_MAX_PENDING_ROWS,
      insertPerRequest: e.XRAY_INSERT_PER_REQUEST === undefined ? undefined : e.XRAY_INSERT_PER_REQUEST === 'true',
    },
    keyCacheTtlSeconds: e.XRAY_KEY_CACHE_TTL_SECONDS,
    appCacheTtlSeconds: e.XRAY_APP_CACHE_TTL_SECONDS,
    executionCache: { maxBytes: e.XRAY_EXECUTION_CACHE_BYTES, maxAgeSeconds: e.XRAY_EXECUTION_CACHE_MAX_AGE_SECONDS },
    replyStore:
      e.CLICKHOUSE_URL || e.XRAY_REPLY_STORE === 'off'
        ? undefined
        : {
            path: resolve(dataDir, 'replies'),
            settleSeconds: e.XRAY_REPLY_STORE_SETTLE_SECONDS,
            intervalSeconds: e.XRAY_REPLY_STORE_INTERVAL_SECONDS,
            cacheBytes: e.XRAY_REPLY_STORE_CACHE_BYTES,
            searchSieves: e.XRAY_SEARCH_SIEVES !== 'off',
          },
    listHeadRows: e.CLICKHOUSE_URL ? 0 : e.XRAY_LIST_HEAD_ROWS,
    migrationsDir: resolve(e.XRAY_MIGRATIONS_DIR),
    retentionDays: e.XRAY_RETENTION_DAYS,
    auditRetentionDays: e.XRAY_AUDIT_RETENTION_DAYS,
    adminSql: {
      maxRows: e.XRAY_ADMIN_SQL_MAX_ROWS,
      maxExecutionSeconds: e.XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS,
      maxMemoryBytes: e.XRAY_ADMIN_SQL_MAX_MEMORY_BYTES,
      maxThreads: e.XRAY_ADMIN_SQL_MAX_THREADS,
      maxConcurrent: e.XRAY_ADMIN_SQL_MAX_CONCURRENT,
    },
    rateLimit: { requestsPerSecond: e.XRAY_RATE_LIMIT_RPS, burst: e.XRAY_RATE_LIMIT_BURST },
    signatureWindowSeconds: e.XRAY_SIGNATURE_WINDOW_SECONDS,
    secretKey: e.XRAY_SECRET_KEY,
    maxFutureSkewSeconds: e.XRAY_MAX_FUTURE_SKEW_SECONDS,
    storeTimeoutMillis: e.XRAY_STORE_TIMEOUT_MILLIS,
    maxInFlightBytes: e.XRAY_MAX_INFLIGHT_BYTES,
    maxEventLoopDelayMillis: e.XRAY_MAX_EVENT_LOOP_DELAY_MILLIS,
    gcExternalMb: e.XRAY_GC_EXTERNAL_MB,
    decode: {
      threads: e.XRAY_DECODE_THREADS,
      inlineMaxBytes: e.XRAY_DECODE_INLINE_MAX_BYTES,
      workerHeapMb: e.XRAY_DECODE_WORKER_HEAP_MB,
      niceness: e.XRAY_DECODE_NICENESS,
      jsonWholeParseMaxBytes: e.XRAY_JSON_WHOLE_PARSE_MAX_BYTES,
    },
    retentionSweepSeconds: e.XRAY_RETENTION_SWEEP_SECONDS,
    rollups: { intervalMillis: e.XRAY_ROLLUP_INTERVAL_MILLIS, lagMillis: e.XRAY_ROLLUP_LAG_MILLIS },
    clickhouse: e.CLICKHOUSE_URL
      ? {
          kind: 'server',
          url: e.CLICKHOUSE_URL,
          username: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          requestTimeoutMillis: e.CLICKHOUSE_REQUEST_TIMEOUT_MILLIS,
          cluster: e.CLICKHOUSE_CLUSTER,
          ...(e.XRAY_ADMIN_SQL_CLICKHOUSE_USER
            ? { sqlUser: { username: e.XRAY_ADMIN_SQL_CLICKHOUSE_USER, password: e.XRAY_ADMIN_SQL_CLICKHOUSE_PASSWORD } }
            : {}),
        }
      : { kind: 'embedded', dataDir: resolve(dataDir, 'clickhouse'), memorySoftLimitBytes: e.XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB * 1024 * 1024 },
    live: { maxStreamsPerApp: e.XRAY_LIVE_MAX_STREAMS_PER_APP, heartbeatMillis: e.XRAY_LIVE_HEARTBEAT_SECONDS * 1000 },
    webhooks: {
      allowPrivate: e.XRAY_WEBHOOK_ALLOW_PRIVATE,
      timeoutMillis: e.XRAY_WEBHOOK_TIMEOUT_MILLIS,
      retry: {
        baseMillis: e.XRAY_WEBHOOK_BACKOFF_BASE_MILLIS,
        maxMillis: Math.max(e.XRAY_WEBHOOK_BACKOFF_MAX_MILLIS, e.XRAY_WEBHOOK_BACKOFF_BASE_MILLIS),
        maxAttempts: e.XRAY_WEBHOOK_MAX_ATTEMPTS,
        maxAgeMillis: e.XRAY_WEBHOOK_MAX_AGE_SECONDS * 1000,
      },
      evaluateMillis: e.XRAY_WEBHOOK_EVALUATE_MILLIS,
      publicUrl: (e.XRAY_PUBLIC_URL ?? '').replace(/\/+$/, ''),
    },
    priceTable,
  };
}
