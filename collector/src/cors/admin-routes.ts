/**
 * `GET|PUT /api/v1/admin/apps/:appId/cors`: read or replace the browser
 * origins an app accepts spans from. Registered inside the admin scope, so
 * the admin token guards it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import type { AppsRepository } from '../store/index.js';
import type { OriginCache } from './origin-cache.js';
import type { OriginsRepository } from './origins-repository.js';

export interface CorsAdminRoutesOptions {
  apps: AppsRepository;
  origins: OriginsRepository;
  cache: OriginCache;
}

/** A serialized origin, exactly as a browser sends it: scheme, host, optional port; no path, no slash. */
const originSchema = z
  .string()
  .max(256)
  .refine(isSerializedOrigin, 'expected an origin such as "https://shop.example" or "http://localhost:5173" (no path, no trailing slash)');

const corsSchema = z.object({ appId: z.string(), allowedOrigins: z.array(z.string()) });
const params = z.object({ appId: z.string().max(64) });
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

export const corsAdminRoutes: FastifyPluginAsync<CorsAdminRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  async function requireApp(appId: string): Promise<void> {
    if (!(await options.apps.getApp(appId))) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
  }

  app.get(
    '/apps/:appId/cors',
    { schema: { tags: ['admin'], summary: "The browser origins allowed to send spans for an app", params, response: { 200: corsSchema, ...errors } } },
    async (request) => {
      await requireApp(request.params.appId);
      return { appId: request.params.appId, allowedOrigins: await options.origins.get(request.params.appId) };
    },
  );

  app.put(
    '/apps/:appId/cors',
    {
      schema: {
        tags: ['admin'],
        summary: 'Replace the browser origins allowed to send spans for an app (an empty list allows none)',
        params,
        body: z.object({ allowedOrigins: z.array(originSchema).max(100) }).strict(),
        response: { 200: corsSchema, ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      await requireApp(appId);
      const allowedOrigins = [...new Set(request.body.allowedOrigins)];
      await options.origins.set(appId, allowedOrigins);
      options.cache.invalidate();
      return { appId, allowedOrigins };
    },
  );
};

function isSerializedOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
