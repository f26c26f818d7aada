/**
 * Operator routes under /api/v1/admin, guarded by the admin token rather
 * than an app key: create and list apps, issue, list and revoke keys.
 * (Read-only SQL lives in sql-sandbox/.)
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KEY_PREFIX_LENGTH } from '../auth/api-key.js';
import { issueApiKey } from '../auth/issue-key.js';
import { DEFAULT_SCOPES, SCOPES } from '../auth/scopes.js';
import { XRayError } from '../errors.js';
import type { AppsRepository } from '../store/index.js';
import { withIsoCreatedAt } from './presenters.js';
import { errorResponse, noQuery } from './schemas.js';

export interface AdminRoutesOptions {
  apps: AppsRepository;
  /** Called after a key is revoked so cached lookups forget it at once. */
  onKeysChanged: () => void;
}

export const appIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"');
const labelsMap = z
  .custom<Record<string, string>>(
    (value) => typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string'),
    { message: 'expected a map of strings' },
  )
  .meta({ type: 'object', additionalProperties: { type: 'string' } });
const appSchema = z.object({
  appId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  description: z.string(),
  owner: z.string(),
  labels: labelsMap,
});
/** The custom fields of an app (roadmap v0.4), as set by create and PATCH. */
const appFields = {
  name: z.string().max(256).optional(),
  description: z.string().max(1024).optional().describe('What the app is'),
  owner: z.string().max(256).optional().describe('Who answers for it (a team, a person, an address)'),
  labels: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'label keys are 1-63 letters, digits, ".", "_", "/" or "-"'),
      z.string().max(256),
    )
    .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels')
    .optional()
    .describe('Labels such as {"team": "risk"}; PATCH replaces the whole set'),
};
const scopesSchema = z
  .array(z.enum(SCOPES))
  .min(1, 'expected at least one scope: "ingest", "read", "webhooks"')
  .transform((scopes) => SCOPES.filter((scope) => scopes.includes(scope)))
  .describe('What the key may do: "ingest" (POST /v1/traces), "read" (the query API), "webhooks" (manage alert webhooks). Default: ingest and read.');
const keySchema = z.object({
  keyPrefix: z.string(),
  appId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  revoked: z.boolean(),
  scopes: z.array(z.string()),
});
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse };

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

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
        body: z.object({ appId: appIdSchema, ...appFields, scopes: scopesSchema.optional() }).strict(),
        response: { 201: z.object({ app: appSchema, apiKey: z.string(), scopes: z.array(z.string()) }), 409: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { appId, name, scopes, description, owner, labels } = request.body;
      if (await options.apps.getApp(appId)) {
        throw new XRayError('XRAY_ERR_CONFLICT', `App ${JSON.stringify(appId)} already exists`);
      }
      const created = await options.apps.createApp(appId, name ?? appId, { description, owner, labels });
      const issued = await issueApiKey(options.apps, appId, 'initial', undefined, scopes ?? DEFAULT_SCOPES);
      return reply.code(201).send({ app: withIsoCreatedAt(created), apiKey: issued.apiKey, scopes: issued.scopes });
    },
  );

  app.patch(
    '/apps/:appId',
    {
      schema: {
        tags: ['admin'],
        summary: "Change an app's name, description, owner or labels (fields left out keep their value)",
        params: z.object({ appId: appIdSchema }),
        body: z
          .object(appFields)
          .strict()
          .refine((body) => Object.values(body).some((value) => value !== undefined), 'expected at least one of name, description, owner, labels'),
        response: { 200: z.object({ app: appSchema }), 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      const app = await options.apps.updateApp(appId, request.body);
      if (!app) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
      return { app: withIsoCreatedAt(app) };
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
        body: z.object({ name: z.string().max(256).optional(), scopes: scopesSchema.optional() }).strict().optional(),
        response: { 201: z.object({ apiKey: z.string(), keyPrefix: z.string(), scopes: z.array(z.string()) }), 404: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { appId } = request.params;
      if (!(await options.apps.getApp(appId))) throw new XRayError('XRAY_ERR_NOT_FOUND', `No app ${JSON.stringify(appId)}`);
      const scopes = request.body?.scopes ?? DEFAULT_SCOPES;
      return reply.code(201).send(await issueApiKey(options.apps, appId, request.body?.name ?? '', undefined, scopes));
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
        description: `The prefix must be whole (${KEY_PREFIX_LENGTH} characters, as listed); a shorter one is refused with XRAY_ERR_KEY_PREFIX_TOO_SHORT.`,
      },
    },
    async (request) => {
      const { appId, keyPrefix } = request.params;
      if (keyPrefix.length < KEY_PREFIX_LENGTH) {
        throw new XRayError('XRAY_ERR_KEY_PREFIX_TOO_SHORT', `Key prefix ${keyPrefix} has ${keyPrefix.length} characters; give all ${KEY_PREFIX_LENGTH} as listed`);
      }
      const revoked = await options.apps.revokeKeys(appId, keyPrefix);
      if (revoked === 0) throw new XRayError('XRAY_ERR_NOT_FOUND', `No active key ${keyPrefix}… in app ${JSON.stringify(appId)}`);
      options.onKeysChanged();
      return { revoked };
    },
  );
};
