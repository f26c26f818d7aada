/**
 * Browser ingest: CORS on `/v1/traces` with per-app allowed origins, and the
 * admin routes that set them. `app.ts` creates it once, registers its CORS in
 * the scope of the traces route and `corsAdminRoutes` in the admin scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClickHouseBackend } from '../store/index.js';
import { corsAdminRoutes } from './admin-routes.js';
import type { CorsAdminRoutesOptions } from './admin-routes.js';
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

/** Browser ingest's allow-lists, for the traces route's scope and the admin routes. */
export interface BrowserIngest {
  /** Registers CORS on the scope that holds the traces route, so no other route runs its hooks. */
  register(instance: FastifyInstance): Promise<void>;
  adminOptions(apps: CorsAdminRoutesOptions['apps']): CorsAdminRoutesOptions;
}

/**
 * @example
 * const browser = createBrowserIngest({ backend: store.backend, credentialOf, resolveApp });
 * await app.register(async (ingest) => { await browser.register(ingest); await ingest.register(tracesRoute, …); });
 * await admin.register(corsAdminRoutes, browser.adminOptions(store.apps));
 */
export function createBrowserIngest(options: BrowserIngestOptions): BrowserIngest {
  const origins = createOriginsRepository(options.backend);
  const cache = createOriginCache(origins, { ttlMillis: options.cacheTtlMillis ?? 10_000 });
  return {
    register: (instance) => registerTracesCors(instance, { cache, credentialOf: options.credentialOf, resolveApp: options.resolveApp }),
    adminOptions: (apps) => ({ apps, origins, cache }),
  };
}

export { corsAdminRoutes };
