/**
 * Per-app retention under /api/v1/admin (admin token): read, set (shorter
 * than the global XRAY_RETENTION_DAYS; applied at once) and reset an app's
 * retention of raw executions, steps and scores.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appIdSchema } from '../api/admin-routes.js';
import { requireApp } from '../api/require-app.js';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import type { AppsRepository } from '../store/index.js';
import type { RetentionRepository } from './retention-repository.js';
import type { RetentionSweeper } from './retention-sweeper.js';

export interface RetentionRoutesOptions {
  retention: RetentionRepository;
  sweeper: Pick<RetentionSweeper, 'sweep'>;
  apps: Pick<AppsRepository, 'getApp'>;
  /** The global retention in days (the tables' TTL). */
  globalDays: number;
}

const params = z.object({ appId: appIdSchema });
const retentionReply = z.object({
  appId: z.string(),
  days: z.number().nullable().describe("The app's own retention in days; null when it follows the global one"),
  globalDays: z.number().describe('XRAY_RETENTION_DAYS: how long every other app keeps its data'),
});
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { globalDays } = options;

  app.get(
    '/apps/:appId/retention',
    { schema: { tags: ['admin', 'retention'], summary: "An app's retention", params, response: { 200: retentionReply, ...errors } } },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      return { appId, days: (await options.retention.get(appId)) ?? null, globalDays };
    },
  );

  app.put(
    '/apps/:appId/retention',
    {
      config: { auditReply: true },
      schema: {
        tags: ['admin', 'retention'],
        summary: 'Keep this app\'s executions, steps and scores fewer days than the global retention (applied at once)',
        params,
        body: z.object({ days: z.number().int().min(1) }).strict(),
        response: { 200: retentionReply.extend({ deleted: z.number().describe('Executions deleted by applying it now') }), ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      const { days } = request.body;
      if (days >= globalDays) {
        throw new XRayError(
          'XRAY_ERR_VALIDATION',
          `body/days: ${days} is not shorter than the global retention of ${globalDays} days (XRAY_RETENTION_DAYS); DELETE the app's retention to follow the global one`,
        );
      }
      await requireApp(options.apps, appId);
      await options.retention.set(appId, days);
      const deleted = await options.sweeper.sweep({ appId, days });
      return { appId, days, globalDays, deleted: deleted[appId] ?? 0 };
    },
  );

  app.delete(
    '/apps/:appId/retention',
    { schema: { tags: ['admin', 'retention'], summary: "Return an app to the global retention", params, response: { 200: retentionReply, ...errors } } },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      await options.retention.set(appId, 0);
      return { appId, days: null, globalDays };
    },
  );
};
