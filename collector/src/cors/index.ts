/**
 * Browser ingest: CORS on `/v1/traces` with per-app allowed origins, and the
 * admin routes that set them. `app.ts` calls `registerBrowserIngest` in the
 * scope of the traces route and registers `corsAdminRoutes` in the admin scope.
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

/** What registering browser ingest gives the admin routes. */
export interface BrowserIngest {
  adminOptions(apps: CorsAdminRoutesOptions['apps']): CorsAdminRoutesOptions;
}

/**
 * Registers CORS on `instance`: the scope that holds the traces route, so
 * no other route runs its hooks.
 *
 * @example
 * const browser = await registerBrowserIngest(ingestScope, { backend: store.backend, credentialOf, resolveApp });
 * await admin.register(corsAdminRoutes, browser.adminOptions(store.apps));
 */
export async function registerBrowserIngest(instance: FastifyInstance, options: BrowserIngestOptions): Promise<BrowserIngest> {
  const origins = createOriginsRepository(options.backend);
  const cache = createOriginCache(origins, { ttlMillis: options.cacheTtlMillis ?? 10_000 });
  await registerTracesCors(instance, { cache, credentialOf: options.credentialOf, resolveApp: options.resolveApp });
  return {
    adminOptions: (apps) => ({ apps, origins, cache }),
  };
}

export { corsAdminRoutes };
