/**
 * A bare ClickHouse backend over a fresh chDB folder, without a collector:
 * the embedded backend itself, or the server backend through the
 * ClickHouse-HTTP stand-in in front of chDB. For tests that apply migrations
 * step by step (upgrade paths).
 */
import { join } from 'node:path';
import { Session } from 'chdb';
import { createEmbeddedBackend } from '../../src/store/chdb-backend.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import { createServerBackend } from '../../src/store/server-backend.js';
import { createClickHouseHttpEndpoint } from './clickhouse-http-endpoint.js';
import type { BackendKind } from './collector-harness.js';

/**
 * @example
 * const { backend, close } = await openTestBackend('server', dir);
 */
export async function openTestBackend(kind: BackendKind, dir: string): Promise<{ backend: ClickHouseBackend; close: () => Promise<void> }> {
  if (kind === 'embedded') {
    const backend = createEmbeddedBackend({ dataDir: join(dir, 'clickhouse') });
    return { backend, close: () => backend.close() };
  }
  const session = new Session(join(dir, 'clickhouse'));
  const endpoint = await createClickHouseHttpEndpoint(session, { user: 'xray', password: 'secret' });
  const backend = createServerBackend({ url: endpoint.url, username: 'xray', password: 'secret', database: 'default', requestTimeoutMillis: 30_000 });
  return {
    backend,
    async close() {
      await backend.close();
      await endpoint.close();
      session.close();
    },
  };
}
