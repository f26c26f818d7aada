/**
 * Cluster mode (CLICKHOUSE_CLUSTER) on the server backend: every statement
 * carries `distributed_product_mode = 'global'`, so an IN whose subquery reads
 * a Distributed table (a timeline's days, the rollup job's recount) is run as
 * GLOBAL IN instead of being refused. Read back through the real
 * @clickhouse/client and the ClickHouse-HTTP stand-in, which hands the
 * settings to the engine as a server would: the engine itself reports them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerBackend } from '../../src/store/server-backend.js';
import { createClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';
import type { ClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';

describe('server backend in cluster mode', () => {
  let dir: string;
  let session: Session;
  let endpoint: ClickHouseHttpEndpoint;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-cluster-settings-'));
    session = new Session(join(dir, 'clickhouse'));
    endpoint = await createClickHouseHttpEndpoint(session, { user: 'xray', password: 'secret' });
  });
  afterAll(async () => {
    await endpoint?.close();
    session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mode = async (cluster: string | undefined) => {
    const backend = createServerBackend({ url: endpoint.url, username: 'xray', password: 'secret', database: 'default', requestTimeoutMillis: 30_000, cluster });
    try {
      const [row] = await backend.query<{ mode: string }>(`SELECT toString(getSetting('distributed_product_mode')) AS mode`);
      return row.mode;
    } finally {
      await backend.close();
    }
  };

  it("runs IN subqueries over Distributed tables as GLOBAL IN with a cluster, and leaves ClickHouse's default without one", async () => {
    expect(await mode('xray')).toBe('global');
    expect(await mode(undefined)).toBe('deny');
  });
});
