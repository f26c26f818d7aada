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
import { buildApp } from '../../src/app.js';
import type { BuildAppOptions, XRayApp } from '../../src/app.js';
import { ensureDefaultApp } from '../../src/bootstrap.js';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import type { ClickHouseBackend, InsertBatcherOptions, Store } from '../../src/store/index.js';
import { createEmbeddedBackend } from '../../src/store/chdb-backend.js';
import { createServerBackend } from '../../src/store/server-backend.js';
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
  live?: BuildAppOptions['live'];
}

export interface Harness {
  url: string;
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
  if (kind === 'embedded') {
    backend = createEmbeddedBackend({ dataDir: join(dir, 'clickhouse') });
  } else {
    session = new Session(join(dir, 'clickhouse'));
    const endpoint = await createClickHouseHttpEndpoint(session, { user: 'xray', password: 'secret' });
    closeEndpoint = endpoint.close;
    backend = createServerBackend({
      url: endpoint.url,
      username: 'xray',
      password: 'secret',
      database: 'default',
      requestTimeoutMillis: 30_000,
    });
  }
  const store = await openStore({
    backend,
    migrationsDir: DEFAULT_MIGRATIONS_DIR,
    batch: { maxBatchRows: 20_000, maxWaitMillis: 5, maxPendingRows: 1_000_000, ...options.batch },
    retentionDays: options.retentionDays,
  });
  const defaultApp = await ensureDefaultApp(store.apps, { appId: 'default', apiKey: undefined, dataDir: dir });
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const xray = await buildApp({ store, maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024, adminToken, live: options.live });
  const url = await xray.app.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
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
