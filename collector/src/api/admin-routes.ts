/**
 * Operator routes under /api/v1/admin, guarded by the admin token rather
 * than an app key: create and list apps, issue, list and revoke keys, and run
 * read-only SQL (what `npx xray sql` uses, so it works against the embedded
 * engine while the collector holds it).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { issueApiKey } from '../auth/issue-key.js';
import { XRayError } from '../errors.js';
import { ClickHouseError } from '../store/index.js';
import type { AppsRepository, ClickHouseBackend } from '../store/index.js';
import { withIsoCreatedAt } from './presenters.js';
import { errorResponse, noQuery } from './schemas.js';

export interface AdminRoutesOptions {
  apps: AppsRepository;
  backend: ClickHouseBackend;
  /** Called after a key is revoked so cached lookups forget it at once. */
  onKeysChanged: () => void;
  /** Most rows `POST /admin/sql` returns. */
  maxSqlRows?: number;
}

const appIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"');
const appSchema = z.object({ appId: z.string(), name: z.string(), createdAt: z.string() });
const keySchema = z.object({ keyPrefix: z.string(), appId: z.string(), name: z.string(), createdAt: z.string(), revoked: z.boolean() });
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse };

/** Statements `POST /admin/sql` accepts; anything else is refused before it reaches ClickHouse. */
const READ_ONLY_START = /^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS)\b/i;

/** One statement only: no `;` other than a trailing one (outside quotes). */
export function isSingleReadOnlyStatement(sql: string): boolean {
  if (!READ_ONLY_START.test(sql)) return false;
  const body = sql.trim().replace(/;\s*$/, '');
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === ';') return false;
  }
  return true;
}

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const maxRows = options.maxSqlRows ?? 10_000;

  app.get(
    '/apps',
    { schema: { tags: ['admin'], summary: 'List apps', querystring: noQuery, response: { 200: z.object({ apps: z.array(appSchema) }), ...errors } } },
    async () => ({ apps: (await options.apps.listApps()).map(withIsoCreatedAt) }),
  );

  app.post(
    '/apps',
    {
      schema: {
        tags: ['admin'],
        querystring: noQuery,
        summary: 'Create an app and its first API key (the key is shown only in this reply)',
        body: z.object({ appId: appIdSchema, name: z.string().max(256).optional() }).strict(),
        response: { 201: z.object({ app: appSchema, apiKey: z.string() }), 409: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { appId, name } = request.body;
      if (await options.apps.getApp(appId)) {
        throw new XRayError('XRAY_ERR_CONFLICT', `App ${JSON.stringify(appId)} already exists`);
      }
      const created = await options.apps.createApp(appId, name ?? appId);
      const { apiKey } = await issueApiKey(options.apps, appId, 'initial');
      return reply.code(201).send({ app: withIsoCreatedAt(created), apiKey });
    },
  );

  app.get(
    '/apps/:appId/keys',
    {
      schema: {
        tags: ['admin'],
        querystring: noQuery,
        summary: "List an app's keys (prefixes only; keys are stored hashed)",
        params: z.object({ appId: appIdSchema }),
        response: { 200: z.object({ keys: z.array(keySchema) }), 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      if (!(await options.apps.getApp(appId))) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
      return { keys: (await options.apps.listKeys(appId)).map(withIsoCreatedAt) };
    },
  );

  app.post(
    '/apps/:appId/keys',
    {
      schema: {
        tags: ['admin'],
        querystring: noQuery,
        summary: 'Issue a new API key for an app (shown only in this reply)',
        params: z.object({ appId: appIdSchema }),
        body: z.object({ name: z.string().max(256).optional() }).strict().optional(),
        response: { 201: z.object({ apiKey: z.string(), keyPrefix: z.string() }), 404: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { appId } = request.params;
      if (!(await options.apps.getApp(appId))) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
      return reply.code(201).send(await issueApiKey(options.apps, appId, request.body?.name ?? ''));
    },
  );

  app.delete(
    '/apps/:appId/keys/:keyPrefix',
    {
      schema: {
        tags: ['admin'],
        querystring: noQuery,
        summary: 'Revoke the keys of an app that start with this prefix',
        params: z.object({ appId: appIdSchema, keyPrefix: z.string().regex(/^xr_[A-Za-z0-9_-]{1,16}$/) }),
        response: { 200: z.object({ revoked: z.number() }), 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { appId, keyPrefix } = request.params;
      const revoked = await options.apps.revokeKeys(appId, keyPrefix);
      if (revoked === 0) throw new XRayError('XRAY_ERR_NOT_FOUND', `No active key ${keyPrefix}… in app ${JSON.stringify(appId)}`);
      options.onKeysChanged();
      return { revoked };
    },
  );

  app.post(
    '/sql',
    {
      schema: {
        tags: ['admin'],
        querystring: noQuery,
        summary: 'Run one read-only SQL statement (readonly = 1 is enforced by ClickHouse itself)',
        body: z.object({ sql: z.string().min(1).max(100_000) }).strict(),
        response: {
          200: z.object({ rows: z.array(z.record(z.string(), z.unknown())), truncated: z.boolean() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const sql = request.body.sql.trim().replace(/;\s*$/, '');
      if (!isSingleReadOnlyStatement(sql)) throw new XRayError('XRAY_ERR_SQL_REJECTED');
      try {
        const rows = await options.backend.query<Record<string, unknown>>(sql, undefined, { readonly: true });
        return { rows: rows.slice(0, maxRows), truncated: rows.length > maxRows };
      } catch (error) {
        if (error instanceof ClickHouseError) throw new XRayError('XRAY_ERR_SQL_FAILED', error.message.split('\n')[0]);
        throw error;
      }
    },
  );
};
