/**
 * buildApp(): wires the collector's parts into a Fastify instance. It never
 * listens (main.ts does) so tests drive it with inject() or listen on port 0.
 * This is the only module that imports otlp/, model/ and store/ together.
 */
import fastifySwagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { adminRoutes } from './api/admin-routes.js';
import { executionRoutes } from './api/execution-routes.js';
import { stepPayloadRoutes } from './api/step-payload-routes.js';
import { createStepPagesRepository } from './store/step-pages.js';
import { statsRoutes } from './api/stats-routes.js';
import { secretsEqual } from './auth/api-key.js';
import { credentialFrom } from './auth/credentials.js';
import { createKeyResolver } from './auth/key-resolver.js';
import type { KeyResolver } from './auth/key-resolver.js';
import { RETRY_AFTER_SECONDS, XRayError, toErrorBody } from './errors.js';
import type { ErrorCode } from './errors.js';
import { tracesRoute } from './ingest/traces-route.js';
import { createMetrics } from './metrics.js';
import type { CollectorMetrics } from './metrics.js';
import { spansToRows } from './model/span-to-rows.js';
import { healthRoutes } from './routes/health.js';
import { ClickHouseError, OverloadedError } from './store/index.js';
import type { Store } from './store/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app of the caller's API key; set by the auth hook of every /api/v1 route. */
    appId: string;
  }
}

export interface BuildAppOptions {
  store: Store;
  /** Largest accepted OTLP body, after decompression. */
  maxBodyBytes: number;
  /** Token for /api/v1/admin; admin routes answer 403 when unset. */
  adminToken?: string;
  /** A pino logger; none when omitted. */
  logger?: FastifyBaseLogger;
  /** Include Node process metrics in /metrics. */
  defaultMetrics?: boolean;
}

export interface XRayApp {
  app: FastifyInstance;
  metrics: CollectorMetrics;
  keys: KeyResolver;
}

function classifyWriteError(error: unknown): ErrorCode {
  return error instanceof OverloadedError ? 'XRAY_ERR_OVERLOADED' : 'XRAY_ERR_STORE_UNAVAILABLE';
}

/** Maps anything a query route throws onto a registry error. */
function toApiError(error: unknown): XRayError {
  if (error instanceof XRayError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      path: issue.instancePath || '/',
      message: issue.message ?? 'invalid',
    }));
    const message = issues.map((issue) => `${error.validationContext ?? 'request'}${issue.path}: ${issue.message}`).join('; ');
    return new XRayError('XRAY_ERR_VALIDATION', message, { details: issues });
  }
  if (!(error instanceof Error)) return new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new XRayError('XRAY_ERR_VALIDATION', 'Send the body as application/json');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error as SyntaxError).name === 'SyntaxError' || code?.startsWith('FST_ERR_CTP')) {
    return new XRayError('XRAY_ERR_VALIDATION', `The body is not valid JSON: ${error.message}`);
  }
  if (error instanceof OverloadedError) return new XRayError('XRAY_ERR_OVERLOADED', error.message);
  if (error instanceof ClickHouseError) return new XRayError('XRAY_ERR_STORE_UNAVAILABLE', 'ClickHouse did not answer the query', { cause: error });
  return new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
}

function sendApiError(request: FastifyRequest, reply: FastifyReply, error: XRayError): FastifyReply {
  if (error.statusCode >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
  reply.code(error.statusCode).header('x-xray-error-code', error.code);
  if (error.retryable && error.statusCode !== 500) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.type('application/json').send(toErrorBody(error));
}

function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendApiError(request, reply, new XRayError('XRAY_ERR_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
}

/**
 * Builds the collector around an open store.
 *
 * @example
 * const store = await openStore({ backend: { kind: 'embedded', dataDir }, migrationsDir, batch });
 * const { app } = await buildApp({ store, maxBodyBytes: 16 << 20 });
 * await app.listen({ host: '127.0.0.1', port: 0 });
 */
export async function buildApp(options: BuildAppOptions): Promise<XRayApp> {
  const { store } = options;
  const app: FastifyInstance = options.logger
    ? Fastify({ loggerInstance: options.logger, requestIdHeader: 'x-request-id' })
    : Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('appId', '');

  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics, pendingRows: () => store.batcher.pendingRows });
  const stopFlushMetrics = store.batcher.onFlush((info) => {
    metrics.insertBatches.inc({ outcome: info.ok ? 'ok' : 'error' });
    metrics.insertDuration.observe(info.millis / 1000);
    metrics.insertRows.observe(info.rows);
  });
  app.addHook('onClose', async () => {
    stopFlushMetrics();
  });
  const keys = createKeyResolver({ lookup: (hash) => store.apps.findAppIdByKeyHash(hash) });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'X-Ray collector API', version: '1.0.0', description: 'Query API for executions and steps stored by X-Ray.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An app API key (xr_...)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { ping: () => store.backend.ping(), metrics });

  await app.register(tracesRoute, {
    maxBodyBytes: options.maxBodyBytes,
    resolveApp: async (credential) => (credential ? keys.resolve(credential) : undefined),
    credentialOf: (request) => credentialFrom(request.headers),
    toRows: spansToRows,
    write: (rows) => store.batcher.write(rows),
    classifyWriteError,
    metrics,
  });

  await app.register(
    async (api) => {
      api.setErrorHandler((error, request, reply) => sendApiError(request, reply, toApiError(error)));
      api.setNotFoundHandler((request, reply) =>
        sendNotFound(request, reply),
      );

      await api.register(async (scoped) => {
        scoped.addHook('onRequest', async (request) => {
          const credential = credentialFrom(request.headers);
          if (!credential) throw new XRayError('XRAY_ERR_AUTH_MISSING_KEY');
          const appId = await keys.resolve(credential);
          if (!appId) throw new XRayError('XRAY_ERR_AUTH_INVALID_KEY');
          request.appId = appId;
        });
        await scoped.register(executionRoutes, { executions: store.executions });
        await scoped.register(stepPayloadRoutes, { stepPages: createStepPagesRepository(store.backend) });
        await scoped.register(statsRoutes, { stats: store.stats });
      });

      await api.register(
        async (admin) => {
          admin.addHook('onRequest', async (request) => {
            const credential = credentialFrom(request.headers);
            if (!credential) throw new XRayError('XRAY_ERR_AUTH_MISSING_KEY', 'No admin token: send it as "Authorization: Bearer <token>"');
            if (!options.adminToken || !secretsEqual(credential, options.adminToken)) {
              throw new XRayError('XRAY_ERR_AUTH_ADMIN_REQUIRED');
            }
          });
          await admin.register(adminRoutes, { apps: store.apps, backend: store.backend, onKeysChanged: () => keys.invalidate() });
        },
        { prefix: '/admin' },
      );
    },
    { prefix: '/api/v1' },
  );

  app.setNotFoundHandler((request, reply) =>
    sendNotFound(request, reply),
  );
  app.setErrorHandler((error, request, reply) => sendApiError(request, reply, toApiError(error)));

  return { app, metrics, keys };
}
