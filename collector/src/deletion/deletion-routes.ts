/**
 * Erasure under /api/v1/admin (admin token): one execution, every execution
 * matching a filter (a pipeline, a time range, an attribute such as a
 * business key, for an erasure request), or a whole app with its keys. Each
 * answers with what was deleted; every read after the answer no longer sees it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appIdSchema } from '../api/admin-routes.js';
import { requireApp } from '../api/require-app.js';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import type { AppsRepository } from '../store/index.js';
import type { DeletionRepository } from './deletion-repository.js';

export interface DeletionRoutesOptions {
  deletion: DeletionRepository;
  apps: Pick<AppsRepository, 'getApp'>;
  /** Called once the app's keys are deleted and again at the end, so cached keys and settings of it are forgotten at once. */
  onAppDeleted: (appId: string) => void;
}

const counts = z.object({ executions: z.number(), steps: z.number(), scores: z.number() });
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };

const time = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(0)])
  .transform((value) => (typeof value === 'number' ? value : Date.parse(value)))
  .describe('ISO 8601 or unix milliseconds');

const filterBody = z
  .object({
    pipeline: z.string().min(1).max(256).optional(),
    from: time.optional().describe('Executions that started at or after this time'),
    to: time.optional().describe('Executions that started before this time'),
    attribute: z
      .object({ key: z.string().min(1).max(256), value: z.string().max(4096) })
      .strict()
      .optional()
      .describe('An execution attribute that must have this value, e.g. {"key": "customer.id", "value": "c-42"}'),
  })
  .strict()
  .refine(
    (body) => body.pipeline !== undefined || body.attribute !== undefined || (body.from !== undefined && body.to !== undefined),
    'give a pipeline, an attribute, or both from and to: an empty filter would delete everything (DELETE the app for that)',
  )
  .refine((body) => body.from === undefined || body.to === undefined || body.from < body.to, '"from" must be before "to"');

export const deletionRoutes: FastifyPluginAsync<DeletionRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.delete(
    '/apps/:appId/executions/:executionId',
    {
      // The audit entry records what was deleted (the reply's counts) next to the filter (the body).
      config: { auditReply: true },
      schema: {
        tags: ['admin', 'deletion'],
        summary: 'Delete one execution with its steps and scores',
        params: z.object({ appId: appIdSchema, executionId: z.string().min(1).max(256) }),
        response: { 200: z.object({ deleted: counts }), ...errors },
      },
    },
    async (request) => {
      const { appId, executionId } = request.params;
      await requireApp(options.apps, appId);
      const deleted = await options.deletion.deleteExecutions(appId, { executionId });
      if (deleted.executions + deleted.steps + deleted.scores === 0) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in app ${JSON.stringify(appId)}`);
      }
      return { deleted };
    },
  );

  app.post(
    '/apps/:appId/executions/delete',
    {
      // The audit entry records what was deleted (the reply's counts) next to the filter (the body).
      config: { auditReply: true },
      schema: {
        tags: ['admin', 'deletion'],
        summary: 'Delete every execution of an app that matches a filter, with their steps and scores',
        description: 'Every given condition must hold. Answers with the counts deleted (zero when nothing matched).',
        params: z.object({ appId: appIdSchema }),
        body: filterBody,
        response: { 200: z.object({ deleted: counts }), ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      const { pipeline, from, to, attribute } = request.body;
      return { deleted: await options.deletion.deleteExecutions(appId, { pipeline, fromMillis: from, toMillis: to, attribute }) };
    },
  );

  app.delete(
    '/apps/:appId',
    {
      // The audit entry records what was deleted (the reply's counts) next to the filter (the body).
      config: { auditReply: true },
      schema: {
        tags: ['admin', 'deletion'],
        summary: 'Delete an app: its executions, steps, scores, statistics, keys, settings, signing secrets, webhooks and their deliveries',
        params: z.object({ appId: appIdSchema }),
        response: { 200: z.object({ deleted: counts.extend({ keys: z.number() }) }), ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      const deleted = await options.deletion.deleteApp(appId, { onKeysDeleted: () => options.onAppDeleted(appId) });
      options.onAppDeleted(appId);
      return { deleted };
    },
  );
};
