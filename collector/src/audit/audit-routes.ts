/**
 * `GET /api/v1/admin/audit`: the audit log, newest first, with filters and a
 * cursor. Registered inside the admin scope, so the admin token guards it
 * (and reading the audit log is itself recorded).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { errorResponse, limitParam, timeParam } from '../api/schemas.js';
import type { AuditRepository } from './audit-repository.js';

export interface AuditRoutesOptions {
  repository: AuditRepository;
}

const auditQuery = z
  .object({
    app: z.string().max(64).optional().describe('Only entries of this app (the caller\'s app, or the app an admin action targets)'),
    route: z.string().max(256).optional().describe('Only this route pattern, e.g. /api/v1/executions'),
    status: z.coerce.number().int().min(100).max(599).optional().describe('Only this HTTP status'),
    actor: z.string().max(64).optional().describe('Only this actor: a key prefix, admin or anonymous'),
    since: timeParam.optional().describe('Entries at or after this time'),
    until: timeParam.optional().describe('Entries before this time'),
    limit: limitParam,
    cursor: z.string().max(1024).optional().describe('`nextCursor` of the previous page'),
  })
  .strict();

const auditEntry = z.object({
  time: z.string(),
  appId: z.string(),
  requestId: z.string(),
  actor: z.string().describe('key prefix (xr_…), admin, or anonymous'),
  method: z.string(),
  route: z.string(),
  path: z.string(),
  params: z.record(z.string(), z.unknown()).describe('query string, route parameters and (admin) body, without secrets'),
  status: z.number(),
  rows: z.number(),
  durationMs: z.number(),
});

export const auditListResponse = z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() });

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Read the audit log: every query-API read and admin action, newest first',
        querystring: auditQuery,
        response: {
          200: auditListResponse,
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
        },
      },
    },
    async (request) => {
      const query = request.query;
      const cursor = decodeCursor(query.cursor);
      const records = await options.repository.list({
        appId: query.app,
        route: query.route,
        status: query.status,
        actor: query.actor,
        sinceMillis: query.since,
        untilMillis: query.until,
        before: cursor && { timeMillis: cursor.startNanos, requestId: cursor.id },
        limit: query.limit + 1,
      });
      const page = records.slice(0, query.limit);
      const last = page.at(-1);
      return {
        entries: page.map(({ timeMillis: _timeMillis, params, ...entry }) => ({ ...entry, params: JSON.parse(params || '{}') as Record<string, unknown> })),
        nextCursor: records.length > query.limit && last ? encodeCursor({ startNanos: last.timeMillis, id: last.requestId }) : null,
      };
    },
  );
};
