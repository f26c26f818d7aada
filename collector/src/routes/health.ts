/**
 * Liveness, readiness and Prometheus metrics. None of these needs a key:
 * they reveal no tenant data. Readiness pings ClickHouse but never waits
 * longer than `pingTimeoutMillis` for it: a store that hangs makes the
 * collector not ready, it must not make the probe hang too.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CollectorMetrics } from '../metrics.js';

export interface HealthRoutesOptions {
  ping: () => Promise<boolean>;
  metrics: CollectorMetrics;
  /** Longest /readyz waits for the ping; 1000 ms when omitted. */
  pingTimeoutMillis?: number;
}

/** The ping's answer, or 'timeout' once `millis` have passed without one. */
function pingWithin(ping: () => Promise<boolean>, millis: number): Promise<boolean | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), millis);
  });
  return Promise.race([ping().catch(() => false), timeout]).finally(() => clearTimeout(timer));
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const timeoutMillis = options.pingTimeoutMillis ?? 1000;
    const ready = await pingWithin(options.ping, timeoutMillis);
    if (ready === true) return reply.code(200).send({ status: 'ready' });
    const status = ready === 'timeout' ? `clickhouse did not answer within ${timeoutMillis} ms` : 'clickhouse unreachable';
    return reply.code(503).send({ status });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
};
