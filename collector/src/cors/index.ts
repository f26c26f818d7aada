/**
 * Browser ingest: CORS on `/v1/traces` with per-app allowed origins, and the
 * admin routes that set them. `app.ts` calls `registerBrowserIngest` on the
 * root instance and registers `corsAdminRoutes` in the admin scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClickHouseBackend } from '../store/index.js';
import { corsAdminRoutes } from './admin-routes.js';
import { createOriginCache } from './origin-cache.js';
import { createOriginsRepository } from './origins-repository.js';
import { registerTracesCors } from './traces-cors.js';

export interface BrowserIngestOptions {
  backend: ClickHouseBackend;
  credentialOf: (request: FastifyRequest) => string | undefined;
  resolveApp: (credential: string | undefined) => Promise<string | undefined>;
  /** How long an allow-list changed through another collector may stay stale. Default 10 s. */
  cacheTtlMillis?: number;
}

/**
 * @example
 * const browser = await registerBrowserIngest(app, { backend: store.backend, credentialOf, resolveApp });
 * await admin.register(corsAdminRoutes, browser.adminOptions(store.apps));
 */
export async function registerBrowserIngest(app: FastifyInstance, options: BrowserIngestOptions) {
  const origins = createOriginsRepository(options.backend);
  const cache = createOriginCache(origins, { ttlMillis: options.cacheTtlMillis ?? 10_000 });
  await registerTracesCors(app, { cache, credentialOf: options.credentialOf, resolveApp: options.resolveApp });
  return {
    adminOptions: (apps: Parameters<typeof corsAdminRoutes>[1]['apps']) => ({ apps, origins, cache }),
  };
}

export { corsAdminRoutes };
