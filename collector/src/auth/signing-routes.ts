/**
 * Admin routes for signed requests (under /api/v1/admin, admin token):
 * issue and revoke an app's signing secrets (a new secret is shown once, in
 * the reply that creates it) and require signatures or not. Requiring them
 * needs an active secret, and the last secret of an app that requires them
 * cannot be revoked: neither change may lock an app out by accident.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appIdSchema } from '../api/admin-routes.js';
import { requireApp } from '../api/require-app.js';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import type { AppSettingsRepository, AppsRepository } from '../store/index.js';
import { MAX_ACTIVE_SIGNING_SECRETS } from './signing-keyring.js';
import type { SigningKeyring } from './signing-keyring.js';

export interface SigningRoutesOptions {
  apps: Pick<AppsRepository, 'getApp'>;
  settings: AppSettingsRepository;
  keyring: SigningKeyring;
  /** Called after an app's settings changed so cached copies are dropped. */
  onSettingsChanged: (appId: string) => void;
}

const signingResponse = z.object({
  required: z.boolean().describe('Whether POST /v1/traces refuses requests without a valid x-xray-signature'),
  secrets: z.array(z.object({ secretPrefix: z.string(), createdAt: z.string() })).describe('Active signing secrets, by prefix'),
});
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };
const params = z.object({ appId: appIdSchema });

export const signingRoutes: FastifyPluginAsync<SigningRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  async function describe(appId: string): Promise<z.infer<typeof signingResponse>> {
    const [settings, secrets] = await Promise.all([options.settings.get(appId), options.keyring.list(appId)]);
    return { required: settings.signatureRequired, secrets };
  }

  app.get(
    '/apps/:appId/signing',
    { schema: { tags: ['admin'], summary: "Whether an app requires signed requests, and its signing secrets' prefixes", params, response: { 200: signingResponse, ...errors } } },
    async (request) => {
      await requireApp(options.apps, request.params.appId);
      return describe(request.params.appId);
    },
  );

  app.put(
    '/apps/:appId/signing',
    {
      schema: {
        tags: ['admin'],
        summary: 'Require signed requests on POST /v1/traces for an app, or stop requiring them',
        params,
        body: z.object({ required: z.boolean() }).strict(),
        response: { 200: signingResponse, ...errors },
      },
    },
    async (request) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      if (request.body.required && (await options.keyring.list(appId)).length === 0) {
        throw new XRayError(
          'XRAY_ERR_CONFLICT',
          `App ${JSON.stringify(appId)} has no signing secret: create one (POST /api/v1/admin/apps/${appId}/signing-secrets) and give it to its senders first`,
        );
      }
      await options.settings.update(appId, { signatureRequired: request.body.required });
      options.onSettingsChanged(appId);
      return describe(appId);
    },
  );

  app.post(
    '/apps/:appId/signing-secrets',
    {
      schema: {
        tags: ['admin'],
        summary: `Create a signing secret for an app (shown only in this reply; at most ${MAX_ACTIVE_SIGNING_SECRETS} active, for rotation)`,
        params,
        response: { 201: z.object({ secret: z.string(), secretPrefix: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { appId } = request.params;
      await requireApp(options.apps, appId);
      const issued = await options.keyring.issue(appId);
      if (!issued) {
        throw new XRayError(
          'XRAY_ERR_CONFLICT',
          `App ${JSON.stringify(appId)} already has ${MAX_ACTIVE_SIGNING_SECRETS} active signing secrets: revoke the old one first`,
        );
      }
      return reply.code(201).send(issued);
    },
  );

  app.delete(
    '/apps/:appId/signing-secrets/:secretPrefix',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a signing secret of an app by its prefix',
        params: z.object({ appId: appIdSchema, secretPrefix: z.string().regex(/^xrs_[A-Za-z0-9_-]{8}$/, 'expected the 12-character prefix, e.g. xrs_AbCd1234') }),
        response: { 200: z.object({ revoked: z.number() }), ...errors },
      },
    },
    async (request) => {
      const { appId, secretPrefix } = request.params;
      await requireApp(options.apps, appId);
      const active = await options.keyring.list(appId);
      if (!active.some((secret) => secret.secretPrefix === secretPrefix)) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No active signing secret ${secretPrefix}… in app ${JSON.stringify(appId)}`);
      }
      if (active.length === 1 && (await options.settings.get(appId)).signatureRequired) {
        throw new XRayError(
          'XRAY_ERR_CONFLICT',
          `${secretPrefix}… is the last signing secret of ${JSON.stringify(appId)}, which requires signed requests: create a new one first, or stop requiring signatures`,
        );
      }
      return { revoked: await options.keyring.revoke(appId, secretPrefix) };
    },
  );
};
