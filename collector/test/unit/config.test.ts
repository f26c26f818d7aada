import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MIGRATIONS_DIR, loadConfig } from '../../src/config.js';
import { defaultDecodeThreads } from '../../src/ingest/decode-pool.js';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('config', () => {
  describe('loadConfig', () => {
    it('gives the documented defaults for an empty environment', () => {
      expect(loadConfig({})).toEqual({
        host: '127.0.0.1',
        port: 4318,
        grpcPort: 4317,
        dataDir: resolve('.xray/data'),
        apiKey: undefined,
        readApiKey: undefined,
        adminToken: undefined,
        defaultApp: 'default',
        logLevel: 'info',
        logRequests: false,
        slowRequestMillis: 1000,
        maxBodyBytes: 16 * 1024 * 1024,
        batch: { maxBatchRows: 20_000, maxWaitMillis: 20, maxPendingRows: 500_000 },
        keyCacheTtlSeconds: 30,
        appCacheTtlSeconds: 30,
        executionCache: { maxBytes: 64 * 1024 * 1024, maxAgeSeconds: 60 },
        replyStore: { path: resolve('.xray/data/replies'), settleSeconds: 3600, intervalSeconds: 60, cacheBytes: 16 * 1024 * 1024, searchSieves: true },
        listHeadRows: 20_000,
        migrationsDir: resolve(DEFAULT_MIGRATIONS_DIR),
        retentionDays: undefined,
        auditRetentionDays: 90,
        adminSql: { maxRows: 10_000, maxExecutionSeconds: 30, maxMemoryBytes: 1024 ** 3, maxThreads: 2, maxConcurrent: 2 },
        rateLimit: { requestsPerSecond: 200, burst: 400 },
        signatureWindowSeconds: 300,
        secretKey: undefined,
        maxFutureSkewSeconds: 3600,
        storeTimeoutMillis: 10_000,
        maxInFlightBytes: 32 * 1024 * 1024,
        maxEventLoopDelayMillis: 1000,
        gcExternalMb: 16,
        decode: { threads: defaultDecodeThreads(), inlineMaxBytes: 65536, workerHeapMb: 1024, niceness: 0, jsonWholeParseMaxBytes: 4194304 },
        retentionSweepSeconds: 3600,
        rollups: { intervalMillis: 5000, lagMillis: undefined },
        clickhouse: { kind: 'embedded', dataDir: resolve('.xray/data', 'clickhouse'), memorySoftLimitBytes: 400 * 1024 * 1024 },
        live: { maxStreamsPerApp: 20, heartbeatMillis: 15_000 },
        webhooks: {
          allowPrivate: [],
          timeoutMillis: 10_000,
          retry: { baseMillis: 5_000, maxMillis: 3_600_000, maxAttempts: 12, maxAgeMillis: 86_400_000 },
          evaluateMillis: 30_000,
          publicUrl: '',
        },
      });
    });

    it('reads the webhook settings and refuses a bad allow-list or public URL, naming the key', () => {
      const config = loadConfig({
        XRAY_WEBHOOK_ALLOW_PRIVATE: '10.20.0.0/16, 127.0.0.1,fd00::/8',
        XRAY_WEBHOOK_TIMEOUT_MILLIS: '500',
        XRAY_WEBHOOK_BACKOFF_BASE_MILLIS: '50',
        XRAY_WEBHOOK_BACKOFF_MAX_MILLIS: '10',
        XRAY_WEBHOOK_MAX_ATTEMPTS: '3',
        XRAY_WEBHOOK_MAX_AGE_SECONDS: '60',
        XRAY_WEBHOOK_EVALUATE_MILLIS: '0',
        XRAY_PUBLIC_URL: 'https://xray.example.com/',
      });
      expect(config.webhooks).toEqual({
        allowPrivate: ['10.20.0.0/16', '127.0.0.1', 'fd00::/8'],
        timeoutMillis: 500,
        // A cap below the base is the base.
        retry: { baseMillis: 50, maxMillis: 50, maxAttempts: 3, maxAgeMillis: 60_000 },
        evaluateMillis: 0,
        publicUrl: 'https://xray.example.com',
      });
      expect(() => loadConfig({ XRAY_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/33' })).toThrow('XRAY_WEBHOOK_ALLOW_PRIVATE="10.0.0.0/33"');
      expect(() => loadConfig({ XRAY_WEBHOOK_ALLOW_PRIVATE: 'intranet' })).toThrow('comma-separated addresses or CIDR ranges');
      expect(() => loadConfig({ XRAY_PUBLIC_URL: 'xray.example.com' })).toThrow('XRAY_PUBLIC_URL');
      expect(() => loadConfig({ XRAY_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow('XRAY_WEBHOOK_MAX_ATTEMPTS="0"');
    });

    it('reads a read-only ClickHouse user for admin SQL, and only with a ClickHouse server', () => {
      const config = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', XRAY_ADMIN_SQL_CLICKHOUSE_USER: 'xray_reader', XRAY_ADMIN_SQL_CLICKHOUSE_PASSWORD: 'pw' });
      expect(config.clickhouse).toMatchObject({ kind: 'server', sqlUser: { username: 'xray_reader', password: 'pw' } });
      expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }).clickhouse).not.toHaveProperty('sqlUser');
      expect(() => loadConfig({ XRAY_ADMIN_SQL_CLICKHOUSE_USER: 'xray_reader' })).toThrow('needs CLICKHOUSE_URL');
    });

    it('reads the admin SQL limits and refuses values out of range, naming the key', () => {
      const config = loadConfig({
        XRAY_ADMIN_SQL_MAX_ROWS: '500',
        XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS: '5',
        XRAY_ADMIN_SQL_MAX_MEMORY_BYTES: String(64 * 1024 * 1024),
        XRAY_ADMIN_SQL_MAX_THREADS: '1',
        XRAY_ADMIN_SQL_MAX_CONCURRENT: '4',
      });
      expect(config.adminSql).toEqual({ maxRows: 500, maxExecutionSeconds: 5, maxMemoryBytes: 64 * 1024 * 1024, maxThreads: 1, maxConcurrent: 4 });
      expect(() => loadConfig({ XRAY_ADMIN_SQL_MAX_ROWS: '0' })).toThrow('XRAY_ADMIN_SQL_MAX_ROWS="0"');
      expect(loadConfig({ XRAY_AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays).toBe(365);
      expect(() => loadConfig({ XRAY_AUDIT_RETENTION_DAYS: '0' })).toThrow('XRAY_AUDIT_RETENTION_DAYS="0"');
      expect(() => loadConfig({ XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS: 'forever' })).toThrow('XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS');
    });

    it('reads XRAY_RETENTION_DAYS as whole days and refuses anything else, naming the key', () => {
      expect(loadConfig({ XRAY_RETENTION_DAYS: '90' }).retentionDays).toBe(90);
      expect(loadConfig({ XRAY_RETENTION_DAYS: '' }).retentionDays).toBeUndefined();
      for (const bad of ['0', '1.5', 'forever']) {
        expect(() => loadConfig({ XRAY_RETENTION_DAYS: bad })).toThrow(`XRAY_RETENTION_DAYS=${JSON.stringify(bad)}`);
      }
    });

    it('refuses rate limits, signature windows and master keys it cannot use, naming the key', () => {
      for (const [key, bad] of [
        ['XRAY_RATE_LIMIT_RPS', '0'],
        ['XRAY_RATE_LIMIT_RPS', 'fast'],
        ['XRAY_RATE_LIMIT_BURST', '0'],
        ['XRAY_RATE_LIMIT_BURST', '1.5'],
        ['XRAY_SIGNATURE_WINDOW_SECONDS', '0'],
        ['XRAY_SECRET_KEY', 'too-short'],
        ['XRAY_SECRET_KEY', 'ab'.repeat(31)],
        ['XRAY_READ_API_KEY', 'grafana'],
        ['XRAY_KEY_CACHE_TTL_SECONDS', '0'],
        ['XRAY_APP_CACHE_TTL_SECONDS', '3601'],
        ['XRAY_INSERT_PER_REQUEST', 'yes'],
        ['XRAY_ROLLUP_INTERVAL_MILLIS', '-1'],
        ['XRAY_ROLLUP_INTERVAL_MILLIS', 'often'],
        ['XRAY_ROLLUP_LAG_MILLIS', '-5'],
        ['XRAY_ROLLUP_LAG_MILLIS', '1.5'],
        ['XRAY_ROLLUP_LAG_MILLIS', '3600001'],
      ]) {
        expect(() => loadConfig({ [key]: bad }), `${key}=${bad}`).toThrow(`${key}=${JSON.stringify(bad)}`);
      }
      const same = `xr_${'s'.repeat(20)}`;
      expect(() => loadConfig({ XRAY_API_KEY: same, XRAY_READ_API_KEY: same })).toThrow('XRAY_READ_API_KEY: must differ from XRAY_API_KEY');
    });

    it('ships migrations from clickhouse/migrations at the repository root', () => {
      expect(DEFAULT_MIGRATIONS_DIR).toBe(resolve(import.meta.dirname, '../../../clickhouse/migrations'));
    });

    it('reads every key', () => {
      const config = loadConfig({
        XRAY_HOST: '0.0.0.0',
        XRAY_PORT: '8080',
        XRAY_GRPC_PORT: '4400',
        XRAY_DATA_DIR: '/var/lib/xray',
        XRAY_API_KEY: `xr_${'a'.repeat(20)}`,
        XRAY_ADMIN_TOKEN: 'admin-token-0123456789',
        XRAY_DEFAULT_APP: 'shop.prod',
        XRAY_LOG_LEVEL: 'debug',
        XRAY_LOG_REQUESTS: 'true',
        XRAY_SLOW_REQUEST_MILLIS: '250',
        XRAY_MAX_BODY_BYTES: '2048',
        XRAY_BATCH_MAX_ROWS: '100',
        XRAY_BATCH_MAX_WAIT_MILLIS: '0',
        XRAY_MAX_PENDING_ROWS: '1000',
        XRAY_MIGRATIONS_DIR: '/opt/migrations',
        XRAY_RATE_LIMIT_RPS: '2.5',
        XRAY_RATE_LIMIT_BURST: '10',
        XRAY_SIGNATURE_WINDOW_SECONDS: '60',
        XRAY_SECRET_KEY: 'ab'.repeat(32),
        XRAY_READ_API_KEY: `xr_${'r'.repeat(20)}`,
        XRAY_MAX_FUTURE_SKEW_SECONDS: '60',
        XRAY_STORE_TIMEOUT_MILLIS: '2500',
        XRAY_MAX_INFLIGHT_BYTES: '100000000',
        XRAY_MAX_EVENT_LOOP_DELAY_MILLIS: '0',
        XRAY_DECODE_THREADS: '3',
        XRAY_DECODE_INLINE_MAX_BYTES: '1000',
        XRAY_DECODE_WORKER_HEAP_MB: '256',
        XRAY_DECODE_NICENESS: '5',
        XRAY_JSON_WHOLE_PARSE_MAX_BYTES: '2000000',
        XRAY_GC_EXTERNAL_MB: '0',
        XRAY_LIVE_MAX_STREAMS_PER_APP: '3',
        XRAY_LIVE_HEARTBEAT_SECONDS: '5',
        XRAY_INSERT_PER_REQUEST: 'false',
        XRAY_KEY_CACHE_TTL_SECONDS: '2',
        XRAY_APP_CACHE_TTL_SECONDS: '3',
        XRAY_EXECUTION_CACHE_BYTES: '0',
        XRAY_EXECUTION_CACHE_MAX_AGE_SECONDS: '0',
        XRAY_REPLY_STORE_SETTLE_SECONDS: '600',
        XRAY_REPLY_STORE_INTERVAL_SECONDS: '30',
        XRAY_REPLY_STORE_CACHE_BYTES: '1024',
        XRAY_SEARCH_SIEVES: 'off',
        XRAY_LIST_HEAD_ROWS: '5000',
        XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB: '256',
        XRAY_RETENTION_SWEEP_SECONDS: '60',
        XRAY_ROLLUP_INTERVAL_MILLIS: '2000',
        XRAY_ROLLUP_LAG_MILLIS: '45000',
        XRAY_WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8',
        XRAY_WEBHOOK_TIMEOUT_MILLIS: '2000',
        XRAY_WEBHOOK_MAX_ATTEMPTS: '4',
        XRAY_WEBHOOK_MAX_AGE_SECONDS: '600',
        XRAY_WEBHOOK_BACKOFF_BASE_MILLIS: '100',
        XRAY_WEBHOOK_BACKOFF_MAX_MILLIS: '1000',
        XRAY_WEBHOOK_EVALUATE_MILLIS: '5000',
        XRAY_PUBLIC_URL: 'https://xray.example.com',
      });
      expect(config).toEqual({
        host: '0.0.0.0',
        port: 8080,
        grpcPort: 4400,
        dataDir: '/var/lib/xray',
        apiKey: `xr_${'a'.repeat(20)}`,
        readApiKey: `xr_${'r'.repeat(20)}`,
        adminToken: 'admin-token-0123456789',
        defaultApp: 'shop.prod',
        logLevel: 'debug',
        logRequests: true,
        slowRequestMillis: 250,
        maxBodyBytes: 2048,
        batch: { maxBatchRows: 100, maxWaitMillis: 0, maxPendingRows: 1000, insertPerRequest: false },
        keyCacheTtlSeconds: 2,
        appCacheTtlSeconds: 3,
        executionCache: { maxBytes: 0, maxAgeSeconds: 0 },
        replyStore: { path: '/var/lib/xray/replies', settleSeconds: 600, intervalSeconds: 30, cacheBytes: 1024, searchSieves: false },
        listHeadRows: 5000,
        migrationsDir: '/opt/migrations',
        auditRetentionDays: 90,
        adminSql: { maxRows: 10_000, maxExecutionSeconds: 30, maxMemoryBytes: 1024 ** 3, maxThreads: 2, maxConcurrent: 2 },
        rateLimit: { requestsPerSecond: 2.5, burst: 10 },
        signatureWindowSeconds: 60,
        secretKey: 'ab'.repeat(32),
        maxFutureSkewSeconds: 60,
        storeTimeoutMillis: 2500,
        maxInFlightBytes: 100_000_000,
        maxEventLoopDelayMillis: 0,
        gcExternalMb: 0,
        decode: { threads: 3, inlineMaxBytes: 1000, workerHeapMb: 256, niceness: 5, jsonWholeParseMaxBytes: 2000000 },
        retentionSweepSeconds: 60,
        rollups: { intervalMillis: 2000, lagMillis: 45000 },
        clickhouse: { kind: 'embedded', dataDir: '/var/lib/xray/clickhouse', memorySoftLimitBytes: 256 * 1024 * 1024 },
        live: { maxStreamsPerApp: 3, heartbeatMillis: 5000 },
        webhooks: {
          allowPrivate: ['10.0.0.0/8'],
          timeoutMillis: 2000,
          retry: { baseMillis: 100, maxMillis: 1000, maxAttempts: 4, maxAgeMillis: 600_000 },
          evaluateMillis: 5000,
          publicUrl: 'https://xray.example.com',
        },
      });
    });

    it('keeps the embedded engine in <XRAY_DATA_DIR>/clickhouse, resolved to an absolute path', () => {
      const config = loadConfig({ XRAY_DATA_DIR: 'relative/data' });
      expect(config.dataDir).toBe(resolve('relative/data'));
      expect(config.clickhouse).toEqual({ kind: 'embedded', dataDir: resolve('relative/data/clickhouse'), memorySoftLimitBytes: 400 * 1024 * 1024 });
    });

    it('keeps a reply store in <XRAY_DATA_DIR>/replies with the embedded engine, none with a server, and refuses one asked for with a server', () => {
      expect(loadConfig({ XRAY_DATA_DIR: 'relative/data' }).replyStore).toEqual({
        path: resolve('relative/data/replies'),
        settleSeconds: 3600,
        intervalSeconds: 60,
        cacheBytes: 16 * 1024 * 1024,
        searchSieves: true,
      });
      expect(loadConfig({ XRAY_REPLY_STORE_CACHE_BYTES: '0' }).replyStore?.cacheBytes).toBe(0);
      expect(loadConfig({ XRAY_SEARCH_SIEVES: 'off' }).replyStore?.searchSieves).toBe(false);
      expect(() => loadConfig({ XRAY_SEARCH_SIEVES: 'no' })).toThrow(/XRAY_SEARCH_SIEVES/);
      expect(() => loadConfig({ XRAY_REPLY_STORE_CACHE_BYTES: '-1' })).toThrow(/XRAY_REPLY_STORE_CACHE_BYTES/);
      expect(loadConfig({ XRAY_REPLY_STORE: 'off' }).replyStore).toBeUndefined();
      expect(loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123' }).replyStore).toBeUndefined();
      expect(() => loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123', XRAY_REPLY_STORE: 'on' })).toThrow(/XRAY_REPLY_STORE=on: needs the embedded engine/);
      expect(() => loadConfig({ XRAY_REPLY_STORE: 'yes' })).toThrow(/XRAY_REPLY_STORE/);
    });

    it('keeps a list head with the embedded engine, none with a server, and refuses one asked for with a server', () => {
      expect(loadConfig({ XRAY_LIST_HEAD_ROWS: '0' }).listHeadRows).toBe(0);
      expect(loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123' }).listHeadRows).toBe(0);
      expect(loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123', XRAY_LIST_HEAD_ROWS: '0' }).listHeadRows).toBe(0);
      expect(() => loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123', XRAY_LIST_HEAD_ROWS: '100' })).toThrow(/XRAY_LIST_HEAD_ROWS=100: needs the embedded engine/);
      expect(() => loadConfig({ XRAY_LIST_HEAD_ROWS: 'many' })).toThrow(/XRAY_LIST_HEAD_ROWS/);
      expect(() => loadConfig({ XRAY_LIST_HEAD_ROWS: '-1' })).toThrow(/XRAY_LIST_HEAD_ROWS/);
    });

    it('switches to a ClickHouse server when CLICKHOUSE_URL is set', () => {
      const config = loadConfig({
        CLICKHOUSE_URL: 'https://ch.example.com:8443',
        CLICKHOUSE_USER: 'xray',
        CLICKHOUSE_PASSWORD: 's3cret',
        CLICKHOUSE_DATABASE: 'xray_prod',
        CLICKHOUSE_REQUEST_TIMEOUT_MILLIS: '5000',
      });
      expect(config.clickhouse).toEqual({
        kind: 'server',
        url: 'https://ch.example.com:8443',
        username: 'xray',
        password: 's3cret',
        database: 'xray_prod',
        requestTimeoutMillis: 5000,
        cluster: undefined,
      });
    });

    it('reads CLICKHOUSE_CLUSTER for cluster mode with a server', () => {
      const config = loadConfig({ CLICKHOUSE_URL: 'http://ch-s1-r1:8123', CLICKHOUSE_CLUSTER: 'xray' });
      expect(config.clickhouse).toMatchObject({ kind: 'server', cluster: 'xray' });
    });

    it('refuses CLICKHOUSE_CLUSTER without CLICKHOUSE_URL, naming both keys', () => {
      expect(() => loadConfig({ CLICKHOUSE_CLUSTER: 'xray' })).toThrow(/CLICKHOUSE_CLUSTER="xray": .*set CLICKHOUSE_URL/);
    });

    it('refuses a cluster name that is not an identifier', () => {
      expect(() => loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'x; DROP' })).toThrow(/CLICKHOUSE_CLUSTER/);
    });

    it('uses the server defaults for user, password, database and timeout', () => {
      expect(loadConfig({ CLICKHOUSE_URL: 'http://localhost:8123' }).clickhouse).toEqual({
        kind: 'server',
        url: 'http://localhost:8123',
        username: 'default',
        password: '',
        database: 'default',
        requestTimeoutMillis: 30_000,
        cluster: undefined,
      });
    });

    it('treats empty or blank values as unset', () => {
      const config = loadConfig({
        XRAY_API_KEY: '',
        XRAY_ADMIN_TOKEN: '  ',
        CLICKHOUSE_URL: '',
        XRAY_PORT: '',
        XRAY_BATCH_MAX_WAIT_MILLIS: ' ',
      });
      expect(config).toMatchObject({ apiKey: undefined, adminToken: undefined, clickhouse: { kind: 'embedded' } });
      expect(config.batch.maxWaitMillis).toBe(20);
    });

    it('does not listen on a random port when XRAY_PORT is empty (regression)', () => {
      expect(loadConfig({ XRAY_PORT: '' }).port).toBe(4318);
      expect(loadConfig({ XRAY_PORT: '0' }).port).toBe(0);
    });

    it('trims the API key and admin token', () => {
      const key = `xr_${'a'.repeat(20)}`;
      expect(loadConfig({ XRAY_API_KEY: ` ${key}\n`, XRAY_ADMIN_TOKEN: ' admin-token-0123456789 ' })).toMatchObject({
        apiKey: key,
        adminToken: 'admin-token-0123456789',
      });
    });

    it.each<[string, string, string]>([
      ['XRAY_PORT', 'abc', 'expected number'],
      ['XRAY_PORT', '70000', '<=65535'],
      ['XRAY_PORT', '80.5', 'expected int'],
      ['CLICKHOUSE_URL', 'ftp://x', 'expected an http:// or https:// URL'],
      ['XRAY_LOG_LEVEL', 'loud', 'expected one of'],
      ['XRAY_DEFAULT_APP', 'my app', 'must match pattern'],
      ['XRAY_MAX_BODY_BYTES', '10', '>=1024'],
      ['XRAY_BATCH_MAX_ROWS', '0', '>=1'],
      ['XRAY_BATCH_MAX_WAIT_MILLIS', '-1', '>=0'],
      ['XRAY_MAX_PENDING_ROWS', 'lots', 'expected number'],
      ['CLICKHOUSE_DATABASE', 'drop;table', 'must match pattern'],
      ['CLICKHOUSE_REQUEST_TIMEOUT_MILLIS', '10', '>=100'],
      ['XRAY_LOG_REQUESTS', 'sometimes', 'expected true or false'],
      ['XRAY_SLOW_REQUEST_MILLIS', '0', '>=1'],
    ])('rejects %s=%j with a message naming the key, the value and what was expected', (key, value, expected) => {
      const error = configError({ [key]: value });
      expect(error.name).toBe('ConfigError');
      expect(error.message).toContain(`${key}=${JSON.stringify(value)}: `);
      expect(error.message).toContain(expected);
    });

    it.each<[string, string, string]>([
      ['XRAY_API_KEY', 'nope-but-secret', 'expected "xr_" followed by 16 to 128 letters, digits, "_" or "-"'],
      ['XRAY_ADMIN_TOKEN', 'short-secret', 'expected at least 16 characters'],
    ])('rejects %s=%j naming the key and what was expected, never echoing the secret', (key, value, expected) => {
      const error = configError({ [key]: value });
      expect(error.message).toContain(`${key}=(hidden, ${value.length} characters): ${expected}`);
      expect(error.message).not.toContain(value);
    });

    it('names a bad CLICKHOUSE_URL without the password it carries', () => {
      const error = configError({ CLICKHOUSE_URL: 'ftp://admin:hunter2@db:8123' });
      expect(error.message).toContain('CLICKHOUSE_URL="ftp://…@db:8123"');
      expect(error.message).not.toContain('hunter2');
    });

    it('lists every bad key at once', () => {
      const error = configError({ XRAY_PORT: 'abc', CLICKHOUSE_URL: 'ftp://x' });
      expect(error.message).toMatch(/XRAY_PORT="abc"[\s\S]*CLICKHOUSE_URL="ftp:\/\/x"/);
    });
  });
});

describe('config: XRAY_GRPC_PORT', () => {
  it('listens for OTLP/gRPC on 4317 by default, on a free port when XRAY_PORT=0, and not at all when "off"', () => {
    expect(loadConfig({}).grpcPort).toBe(4317);
    expect(loadConfig({ XRAY_PORT: '0' }).grpcPort).toBe(0);
    expect(loadConfig({ XRAY_GRPC_PORT: '14317' }).grpcPort).toBe(14317);
    expect(loadConfig({ XRAY_GRPC_PORT: 'off' }).grpcPort).toBeUndefined();
    expect(loadConfig({ XRAY_GRPC_PORT: ' OFF ' }).grpcPort).toBeUndefined();
  });

  it('refuses a port out of range, naming the key', () => {
    expect(() => loadConfig({ XRAY_GRPC_PORT: '70000' })).toThrow(/XRAY_GRPC_PORT="70000"/);
  });
});
