/**
 * Liveness, readiness and Prometheus metrics. None of these needs a key:
 * they reveal no tenant data.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CollectorMetrics } from '../metrics.js';

export interface HealthRoutesOptions {
  ping: () => Promise<boolean>;
  metrics: CollectorMetrics;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await options.ping().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'clickhouse unreachable' });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
};
