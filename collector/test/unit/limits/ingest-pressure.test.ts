import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { tracesRoute } from '../../../src/ingest/traces-route.js';
import { addIngestLimits } from '../../../src/limits/ingest-pressure.js';
import { fakeTracesRouteOptions } from '../../support/traces-route-options.js';

/** The OTLP route behind the limits, with everything after them faked: only the refusal is under test. */
async function buildIngest(limits: Parameters<typeof addIngestLimits>[1]) {
  const app = Fastify();
  await app.register(async (scope) => {
    await addIngestLimits(scope, limits);
    await scope.register(tracesRoute, fakeTracesRouteOptions({ maxBodyBytes: limits.maxBodyBytes }));
  });
  return app;
}

describe('limits/ingest-pressure', () => {
  let app: Awaited<ReturnType<typeof buildIngest>> | undefined;
  afterEach(async () => {
    await app?.close();
  });

  describe('addIngestLimits', () => {
    it('answers 503 XRAY_ERR_OVERLOADED with Retry-After in the OTLP status shape while the heap is above its limit', async () => {
      app = await buildIngest({ maxInFlightBytes: 1 << 20, maxBodyBytes: 1 << 20, maxHeapUsedBytes: 1 });
      const post = () => app!.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: '{}' });
      // under-pressure samples the heap on a timer; wait for its first reading.
      let reply = await post();
      while (reply.statusCode === 200) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        reply = await post();
      }
      expect(reply.statusCode).toBe(503);
      expect(reply.headers['x-xray-error-code']).toBe('XRAY_ERR_OVERLOADED');
      expect(reply.headers['retry-after']).toBe('2');
      expect(reply.json()).toEqual({ code: 14, message: expect.stringMatching(/^XRAY_ERR_OVERLOADED: The collector is under pressure \(heapUsedBytes: \d+\)/) });
    });

    it('admits requests while the process is within its limits', async () => {
      app = await buildIngest({ maxInFlightBytes: 1 << 20, maxBodyBytes: 1 << 20 });
      const reply = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(reply.statusCode).toBe(200);
    });
  });
});
