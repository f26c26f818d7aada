/**
 * Starts a real collector for integration tests: a real embedded ClickHouse
 * (chDB) in a fresh temporary folder, migrations applied, a default app with
 * a key, listening on 127.0.0.1 port 0. Optionally the store goes through
 * @clickhouse/client and the ClickHouse-HTTP test endpoint instead, so the
 * server code path runs against the same engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import type { FastifyBaseLogger } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { BuildAppOptions, XRayApp } from '../../src/app.js';
import { ensureDefaultApp } from '../../src/bootstrap.js';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import type { ClickHouseBackend, InsertBatcherOptions, Store, StoreOptions } from '../../src/store/index.js';
import { createEmbeddedBackend } from '../../src/store/chdb-backend.js';
import { createServerBackend } from '../../src/store/server-backend.js';
import type { SqlLimits } from '../../src/sql-sandbox/index.js';
import { createClickHouseHttpEndpoint } from './clickhouse-http-endpoint.js';

export type BackendKind = 'embedded' | 'server';

export interface HarnessOptions {
  backend?: BackendKind;
  maxBodyBytes?: number;
  batch?: Partial<InsertBatcherOptions>;
  adminToken?: string;
  /** Reuse this folder (e.g. to restart on the same data); it is then not deleted on close. */
  dataDir?: string;
  retentionDays?: number;
  /** Admin SQL limits (e.g. a short maxExecutionSeconds). */
  sqlLimits?: Partial<SqlLimits>;
  /** A pino logger for the collector (none when omitted). */
  logger?: FastifyBaseLogger;
  /** Default rate limit of apps without their own; the collector's 200/s, burst 400 when omitted. */
  rateLimit?: { requestsPerSecond: number; burst: number };
  /** Budget of key lookups that miss the cache; the collector's 200/s, burst 1,000 when omitted. */
  keyLookupLimit?: { requestsPerSecond: number; burst: number };
  /** Master key for signing secrets at rest; random per harness when omitted. */
  masterKey?: Buffer;
  /** Wraps the real backend, e.g. to freeze it; the wrapper must pass through to it. */
  wrapBackend?: (backend: ClickHouseBackend) => ClickHouseBackend;
  storeTimeoutMillis?: number;
  maxInFlightBytes?: number;
  maxFutureSkewSeconds?: number;
  /** Server backend only: admin SQL logs in as a separate user, through an endpoint of its own. */
  sqlUser?: boolean;
  live?: BuildAppOptions['live'];
  /** Alert webhook settings (tests allow loopback receivers and shorten the backoff). */
  webhooks?: BuildAppOptions['webhooks'];
  /** Prices per model (XRAY_PRICE_TABLE); none when omitted. */
  priceTable?: BuildAppOptions['priceTable'];
  /** Decode worker pool settings (threads, inline threshold, worker heap); the collector's defaults when omitted. */
  decode?: BuildAppOptions['decode'];
  /** The finished-execution cache's budget and max age; the collector's defaults when omitted. */
  executionCache?: BuildAppOptions['executionCache'];
  /** The reply store (embedded only), in the harness's folder; its builder's passes run when a test calls them (the interval is an hour). */
  replyStore?: { settleMillis: number };
  /** The list head's size per app (api/list-head.ts); the collector's default when omitted, 0 = off. */
  listHead?: BuildAppOptions['listHead'];
  /** The rollup job's interval and lag (store/rollups.ts); interval 0 runs passes only when a test calls `store.rollups.run()`. */
  rollups?: StoreOptions['rollups'];
}

export interface Harness {
  url: string;
  /** The server backend's ClickHouse HTTP endpoint and login (another collector can share it); undefined when embedded. */
  clickhouse?: { url: string; username: string; password: string };
  /** Requests the admin-SQL user's endpoint received (with `sqlUser`), else undefined. */
  sqlUserRequests?: () => number;
  /** The temporary folder holding the engine's data and the key file. */
  dataDir: string;
  apiKey: string;
  appId: string;
  adminToken: string;
  store: Store;
  xray: XRayApp;
  /** Runs SQL straight against the engine (bypassing the API) to check what was stored. */
  sql<T = Record<string, unknown>>(sql: string, params?: Record<string, string | number>): Promise<T[]>;
  /** Creates another app and returns its key. */
  createApp(appId: string): Promise<string>;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startCollector(options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'xray-test-'));
  const kind = options.backend ?? 'embedded';
  let backend: ClickHouseBackend;
  let closeEndpoint: () => Promise<void> = async () => {};
  let session: Session | undefined;
  let sqlBackend: ClickHouseBackend | undefined;
  let sqlUserRequests: (() => number) | undefined;
  let clickhouse: Harness['clickhouse'];
  if (kind === 'embedded') {
    backend = createEmbeddedBackend({ dataDir: join(dir, 'clickhouse') });
  } else {
    session = new Session(join(dir, 'clickhouse'));
    const endpoint = await createClickHouseHttpEndpoint(session, { user: 'xray', password: 'secret' });
    closeEndpoint = endpoint.close;
    clickhouse = { url: endpoint.url, username: 'xray', password: 'secret' };
    backend = createServerBackend({
      url: endpoint.url,
      username: 'xray',
      password: 'secret',
      database: 'default',
      requestTimeoutMillis: 30_000,
    });
    if (options.sqlUser) {
      const sqlEndpoint = await createClickHouseHttpEndpoint(session, { user: 'xray_reader', password: 'reader-secret' });
      const closeMain = closeEndpoint;
      closeEndpoint = async () => {
        await sqlBackend?.close();
        await sqlEndpoint.close();
        await closeMain();
      };
      sqlUserRequests = () => sqlEndpoint.requests;
      sqlBackend = createServerBackend({ url: sqlEndpoint.url, username: 'xray_reader', password: 'reader-secret', database: 'default', requestTimeoutMillis: 30_000 });
    }
  }
  const store = await openStore({
    backend: options.wrapBackend ? options.wrapBackend(backend) : backend,
    migrationsDir: DEFAULT_MIGRATIONS_DIR,
    batch: { maxBatchRows: 20_000, maxWaitMillis: 5, maxPendingRows: 1_000_000, ...options.batch },
    retentionDays: options.retentionDays,
    rollups: options.rollups,
  });
  const defaultApp = await ensureDefaultApp(store.apps, { appId: 'default', apiKey: undefined, dataDir: dir });
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const xray = await buildApp({
    store,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    adminToken,
    sqlLimits: options.sqlLimits,
    sqlBackend,
    logger: options.logger,
    rateLimit: options.rateLimit,
    masterKey: options.masterKey,
    storeTimeoutMillis: options.storeTimeoutMillis,
    maxInFlightBytes: options.maxInFlightBytes,
    maxFutureSkewSeconds: options.maxFutureSkewSeconds,
    // Tests share two cores with other test processes: a starved event loop
    // there says nothing about this collector, so the lag check is off.
    maxEventLoopDelayMillis: 0,
    keyLookupLimit: options.keyLookupLimit,
    live: options.live,
    webhooks: options.webhooks,
    priceTable: options.priceTable,
    decode: options.decode,
    executionCache: options.executionCache,
    listHead: options.listHead,
    replyStore: options.replyStore && { path: join(dir, 'replies'), settleMillis: options.replyStore.settleMillis, intervalMillis: 3_600_000 },
  });
  const url = await xray.app.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
    clickhouse,
    sqlUserRequests,
    dataDir: dir,
    apiKey: defaultApp.apiKey,
    appId: defaultApp.appId,
    adminToken,
    store,
    xray,
    sql: (sql, params) => store.backend.query(sql, params),
    async createApp(appId) {
      const response = await fetch(`${url}/api/v1/admin/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ appId }),
      });
      if (response.status !== 201) throw new Error(`creating app ${appId}: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { apiKey: string }).apiKey;
    },
    async close() {
      await xray.app.close();
      await store.close();
      await closeEndpoint();
      session?.close();
      if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET a query-API path with the given key and return status and JSON. */
export async function getJson<T = any>(harness: Harness, path: string, apiKey = harness.apiKey): Promise<{ status: number; body: T }> {
  const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** POST one statement to the admin SQL route with the admin token; returns status and JSON. */
export async function adminSql<T = any>(harness: Harness, sql: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${harness.url}/api/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql }),
  });
  return { status: response.status, body: (await response.json()) as T };
}
