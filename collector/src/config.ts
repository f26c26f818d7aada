/**
 * The collector's configuration, read from the environment once at start-up
 * and validated with zod. Every key, its default and its meaning is here; a
 * bad value stops start-up with a message naming the key, the value and what
 * was expected. Only main.ts (and the CLI) pass `process.env` in.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

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
  XRAY_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('.xray/data')),
  XRAY_API_KEY: optionalString.refine((value) => value === undefined || API_KEY_PATTERN.test(value), {
    message: 'expected "xr_" followed by 16 to 128 letters, digits, "_" or "-"',
  }),
  XRAY_ADMIN_TOKEN: optionalString.refine((value) => value === undefined || value.length >= 16, {
    message: 'expected at least 16 characters',
  }),
  XRAY_DEFAULT_APP: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).default('default'),
  XRAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  XRAY_MAX_BODY_BYTES: intFromEnv(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  XRAY_BATCH_MAX_ROWS: intFromEnv(20_000, 1, 1_000_000),
  XRAY_BATCH_MAX_WAIT_MILLIS: intFromEnv(20, 0, 10_000),
  XRAY_MAX_PENDING_ROWS: intFromEnv(500_000, 1, 100_000_000),
  XRAY_MIGRATIONS_DIR: z.string().default(DEFAULT_MIGRATIONS_DIR),
  XRAY_RETENTION_DAYS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(36_500).optional()),
  CLICKHOUSE_URL: optionalString.refine((value) => value === undefined || /^https?:\/\//.test(value), {
    message: 'expected an http:// or https:// URL',
  }),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('default'),
  CLICKHOUSE_REQUEST_TIMEOUT_MILLIS: intFromEnv(30_000, 100, 600_000),
  XRAY_LIVE_MAX_STREAMS_PER_APP: intFromEnv(20, 1, 10_000),
  XRAY_LIVE_HEARTBEAT_SECONDS: intFromEnv(15, 1, 3600),
});

export interface CollectorConfig {
  host: string;
  port: number;
  dataDir: string;
  apiKey: string | undefined;
  adminToken: string | undefined;
  defaultApp: string;
  logLevel: z.infer<typeof EnvSchema>['XRAY_LOG_LEVEL'];
  maxBodyBytes: number;
  batch: { maxBatchRows: number; maxWaitMillis: number; maxPendingRows: number };
  migrationsDir: string;
  /** Days raw data is kept; undefined keeps the migrations' 30 days. */
  retentionDays: number | undefined;
  clickhouse:
    | { kind: 'embedded'; dataDir: string }
    | { kind: 'server'; url: string; username: string; password: string; database: string; requestTimeoutMillis: number };
  /** Live tail (GET /api/v1/executions/stream). */
  live: { maxStreamsPerApp: number; heartbeatMillis: number };
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
      return `${key}=${JSON.stringify(env[key])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.XRAY_DATA_DIR);
  return {
    host: e.XRAY_HOST,
    port: e.XRAY_PORT,
    dataDir,
    apiKey: e.XRAY_API_KEY,
    adminToken: e.XRAY_ADMIN_TOKEN,
    defaultApp: e.XRAY_DEFAULT_APP,
    logLevel: e.XRAY_LOG_LEVEL,
    maxBodyBytes: e.XRAY_MAX_BODY_BYTES,
    batch: {
      maxBatchRows: e.XRAY_BATCH_MAX_ROWS,
      maxWaitMillis: e.XRAY_BATCH_MAX_WAIT_MILLIS,
      maxPendingRows: e.XRAY_MAX_PENDING_ROWS,
    },
    migrationsDir: resolve(e.XRAY_MIGRATIONS_DIR),
    retentionDays: e.XRAY_RETENTION_DAYS,
    clickhouse: e.CLICKHOUSE_URL
      ? {
          kind: 'server',
          url: e.CLICKHOUSE_URL,
          username: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          requestTimeoutMillis: e.CLICKHOUSE_REQUEST_TIMEOUT_MILLIS,
        }
      : { kind: 'embedded', dataDir: resolve(dataDir, 'clickhouse') },
    live: { maxStreamsPerApp: e.XRAY_LIVE_MAX_STREAMS_PER_APP, heartbeatMillis: e.XRAY_LIVE_HEARTBEAT_SECONDS * 1000 },
  };
}
