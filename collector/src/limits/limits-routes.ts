/**
 * Admin routes for an app's rate limits (under /api/v1/admin, admin token):
 * read them, set them, or go back to the collector's defaults. A change
 * applies to this collector at once and to other collector processes within
 * the settings cache's TTL (30 s).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appIdSchema } from '../api/admin-routes.js';
import { requireApp } from '../api/require-app.js';
import { errorResponse } from '../api/schemas.js';
import type { AppSettingsRepository, AppsRepository } from '../store/index.js';
import type { RateLimiter } from './rate-limiter.js';

export interface LimitsRoutesOptions {
  apps: Pick<AppsRepository, 'getApp'>;
  settings: AppSettingsRepository;
  limiter: RateLimiter;
  /** Called after an app's settings changed so cached copies are dropped. */
  onSettingsChanged: (appId: string) => void;
}

const rate = z.number().positive().max(1_000_000);
const burst = z.number().int().min(1).max(10_000_000);

const limitsResponse = z.object({
  requestsPerSecond: z.number().describe('Tokens added to the app\'s bucket per second'),
  burst: z.number().describe("The app's bucket size: requests allowed at once after a quiet period"),
  keyRequestsPerSecond: z.number().describe('The same for each key of the app'),
  keyBurst: z.number(),
  source: z.enum(['app', 'default']).describe('"default": the collector\'s XRAY_RATE_LIMIT_RPS / XRAY_RATE_LIMIT_BURST'),
});

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };
const params = z.object({ appId: appIdSchema });

export const limitsRoutes: FastifyPluginAsync<LimitsRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  async function describe(appId: string): Promise<z.infer<typeof limitsResponse>> {
    const own = (await options.settings.get(appId)).rateLimit;
    const limits = await options.limiter.limitsOf(appId);
    return {
      requestsPerSecond: limits.app.requestsPerSecond,
      burst: limits.app.burst,
      keyRequestsPerSecond: limits.key.requestsPerSecond,
      keyBurst: limits.key.burst,
      source: own ? 'app' : 'default',
    };
  }

  app.get(
    '/apps/:appId/limits',
    { schema: { tags: ['admin'], summary: "An app's rate limits (per app and per key)", params, response: { 200: limitsResponse, ...errors } } },
    async (request) => {
      await requireApp(options.apps, request.params.appId);
      return describe(request.params.appId);
    },
  );

  app.put(
    '/apps/:appId/limits',
    {
      schema: {
        tags: ['admin'],
        summary: "Set an app's rate limits; each key gets the app's limit unless keyRequestsPerSecond/keyBurst are given",
        params,
        body: z
          .object({
            requestsPerSecond: rate,
            burst,
            keyRequestsPerSecond: rate.optional(),
            keyBurst: burst.optional(),
          })
          .strict()
          .refine((body) => (body.keyRequestsPerSecond === undefined) === (body.keyBurst === undefined), {
            message: 'give keyRequestsPerSecond and keyBurst together, or neither',
          }),
        response: { 200: limitsResponse, ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      const body = request.body;
      await options.settings.update(appId, {
        rateLimit: { requestsPerSecond: body.requestsPerSecond, burst: body.burst },
        keyRateLimit:
          body.keyRequestsPerSecond === undefined || body.keyBurst === undefined
            ? undefined
            : { requestsPerSecond: body.keyRequestsPerSecond, burst: body.keyBurst },
      });
      options.onSettingsChanged(appId);
      return describe(appId);
    },
  );

  app.delete(
    '/apps/:appId/limits',
    { schema: { tags: ['admin'], summary: "Return an app to the collector's default rate limits", params, response: { 200: limitsResponse, ...errors } } },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      await options.settings.update(appId, { rateLimit: undefined, keyRateLimit: undefined });
      options.onSettingsChanged(appId);
      return describe(appId);
    },
  );
};
