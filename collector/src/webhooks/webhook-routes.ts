/**
 * Webhook routes under /api/v1, for keys with the `webhooks` scope (not
 * granted by default: a key handed to a service or to Grafana cannot point
 * the collector at a URL of its choosing). Every route is scoped to the
 * key's app; another app's webhook is "not found".
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import { checkWebhookUrl } from './address-policy.js';
import type { AddressPolicy } from './address-policy.js';
import { testEvent } from './events.js';
import {
  deliveriesQuery,
  deliveryListResponse,
  newWebhookBody,
  newWebhookResponse,
  testDeliveryResponse,
  webhookListResponse,
  webhookParams,
  webhookPatchBody,
  webhookResponse,
} from './webhook-schemas.js';
import type { DeliveryRecord, WebhookRecord, WebhooksRepository } from './webhooks-repository.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Characters of a secret kept in clear to tell secrets apart (`whsec_` + 8). */
const SECRET_DISPLAY_LENGTH = 14;

export interface WebhookRoutesOptions {
  repository: WebhooksRepository;
  policy: AddressPolicy;
  /** Seals a new secret for (app, webhook). */
  seal(appId: string, webhookId: string, secret: string): string;
  /** Sends a test event now (saved as a pending delivery first). */
  enqueue(records: readonly DeliveryRecord[]): Promise<DeliveryRecord[]>;
  /** Called after any change so the detectors see it at once on this collector. */
  onChanged(): void;
  maxWebhooksPerApp: number;
  publicUrl: string;
}

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse };
const iso = (millis: number) => new Date(millis).toISOString();

function toWebhook(record: WebhookRecord) {
  return {
    webhookId: record.webhookId,
    url: record.url,
    description: record.description,
    enabled: record.enabled,
    conditions: record.conditions,
    secretPrefix: record.secretPrefix,
    createdAt: iso(record.createdAtMillis),
    updatedAt: iso(record.updatedAtMillis),
  };
}

export function toDelivery(record: DeliveryRecord) {
  return {
    eventId: record.eventId,
    type: record.eventType,
    pipeline: record.pipeline,
    executionIds: record.executionIds,
    status: record.status,
    attempts: record.attempts,
    lastStatusCode: record.lastStatusCode === 0 ? null : record.lastStatusCode,
    lastError: record.lastError,
    nextAttemptAt: record.status === 'pending' ? iso(record.nextAttemptAtMillis) : null,
    createdAt: iso(record.createdAtMillis),
    lastAttemptAt: record.attempts > 0 ? iso(record.lastAttemptAtMillis) : null,
    deliveredAt: record.status === 'delivered' ? iso(record.deliveredAtMillis) : null,
  };
}

const notFound = (webhookId: string) => new XRayError('XRAY_ERR_NOT_FOUND', `No webhook ${JSON.stringify(webhookId)} in this app`);

export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { repository } = options;
  const config = { scope: 'webhooks' as const };

  const checkedUrl = (text: string) => {
    const verdict = checkWebhookUrl(text, options.policy);
    if (!verdict.ok) throw new XRayError(verdict.code, verdict.message);
    return verdict.url.toString();
  };
  const find = async (appId: string, webhookId: string) => {
    const found = await repository.get(appId, webhookId);
    if (!found) throw notFound(webhookId);
    return found;
  };

  app.get(
    '/webhooks',
    { config, schema: { tags: ['webhooks'], summary: "The app's webhooks (needs the \"webhooks\" scope)", response: { 200: webhookListResponse, ...errors } } },
    async (request) => ({ webhooks: (await repository.list(request.appId)).map(toWebhook) }),
  );

  app.post(
    '/webhooks',
    {
      config,
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook; the reply shows its signing secret once',
        description:
          'Events are POSTed as JSON with `x-xray-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, ' +
          'the same scheme as signed /v1/traces requests, and `x-xray-event-id` (stable: deduplicate on it).',
        body: newWebhookBody,
        response: { 201: newWebhookResponse, 409: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const url = checkedUrl(body.url);
      if ((await repository.list(request.appId)).length >= options.maxWebhooksPerApp) {
        throw new XRayError('XRAY_ERR_WEBHOOK_LIMIT', `This app already has ${options.maxWebhooksPerApp} webhooks; delete one first`);
      }
      const webhookId = `wh_${randomBytes(12).toString('base64url')}`;
      const secret = WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
      const now = Date.now();
      const record: WebhookRecord = {
        appId: request.appId,
        webhookId,
        url,
        description: body.description ?? '',
        conditions: body.conditions,
        secretPrefix: secret.slice(0, SECRET_DISPLAY_LENGTH),
        sealedSecret: options.seal(request.appId, webhookId, secret),
        enabled: body.enabled,
        createdAtMillis: now,
        updatedAtMillis: now,
      };
      await repository.save(record);
      options.onChanged();
      return reply.code(201).send({ webhook: toWebhook(record), secret });
    },
  );

  app.get(
    '/webhooks/:webhookId',
    { config, schema: { tags: ['webhooks'], summary: 'One webhook', params: webhookParams, response: { 200: webhookResponse, 404: errorResponse, ...errors } } },
    async (request) => ({ webhook: toWebhook(await find(request.appId, request.params.webhookId)) }),
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      config,
      schema: {
        tags: ['webhooks'],
        summary: "Change a webhook's URL, description, conditions or enabled flag (fields left out keep their value)",
        params: webhookParams,
        body: webhookPatchBody,
        response: { 200: webhookResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const found = await find(request.appId, request.params.webhookId);
      const { url, description, enabled, conditions } = request.body;
      const record: WebhookRecord = {
        ...found,
        url: url === undefined ? found.url : checkedUrl(url),
        description: description ?? found.description,
        enabled: enabled ?? found.enabled,
        conditions: conditions ?? found.conditions,
        updatedAtMillis: Date.now(),
      };
      await repository.save(record);
      options.onChanged();
      return { webhook: toWebhook(record) };
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      config,
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook; its pending deliveries are given up',
        params: webhookParams,
        response: { 200: z.object({ deleted: z.object({ webhookId: z.string() }) }), 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const found = await find(request.appId, request.params.webhookId);
      await repository.remove({ ...found, updatedAtMillis: Date.now() });
      options.onChanged();
      return { deleted: { webhookId: found.webhookId } };
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      config,
      schema: {
        tags: ['webhooks'],
        summary: "A webhook's deliveries, newest first, with their outcome",
        params: webhookParams,
        querystring: deliveriesQuery,
        response: { 200: deliveryListResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const found = await find(request.appId, request.params.webhookId);
      const rows = await repository.listDeliveries(request.appId, found.webhookId, request.query);
      return { deliveries: rows.map(toDelivery) };
    },
  );

  app.post(
    '/webhooks/:webhookId/test',
    {
      config,
      schema: {
        tags: ['webhooks'],
        summary: 'Send a "webhook.test" event now (delivered and retried like any other)',
        params: webhookParams,
        response: { 202: testDeliveryResponse, 404: errorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const found = await find(request.appId, request.params.webhookId);
      if (!found.enabled) throw new XRayError('XRAY_ERR_WEBHOOK_DISABLED', `Webhook ${found.webhookId} is disabled; enable it to send events`);
      const [queued] = await options.enqueue([testEvent({ appId: request.appId, webhookId: found.webhookId, nowMillis: Date.now(), publicUrl: options.publicUrl })]);
      if (!queued) throw new XRayError('XRAY_ERR_OVERLOADED', `Webhook ${found.webhookId} already has as many deliveries waiting as allowed; retry later`);
      return reply.code(202).send({ delivery: toDelivery(queued) });
    },
  );
};
