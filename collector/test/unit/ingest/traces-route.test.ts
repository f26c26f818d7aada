import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '../../../src/store/backend.js';
import { UnstorableRowsError } from '../../../src/store/index.js';
import { classifyWriteError } from '../../../src/app.js';
import { tracesRoute } from '../../../src/ingest/traces-route.js';
import type { TracesRouteOptions } from '../../../src/ingest/traces-route.js';
import { executionSpans, jsonRequest } from '../../support/otlp-fixtures.js';
import { fakeTracesRouteOptions } from '../../support/traces-route-options.js';

/** The route with a fake write; the integration tests run it against real engines. */
async function routeWith(write: TracesRouteOptions['write'], storeTimeoutMillis = 60_000) {
  const app = Fastify();
  await app.register(
    tracesRoute,
    fakeTracesRouteOptions({ toRows: () => ({ executions: [], steps: [{} as never] }), write, classifyWriteError, storeTimeoutMillis }),
  );
  const e = executionSpans({ pipeline: 'p', steps: [{ name: 's' }] });
  const reply = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: jsonRequest([e.root, ...e.steps]) });
  return { status: reply.statusCode, code: reply.headers['x-xray-error-code'], retryAfter: reply.headers['retry-after'], body: reply.json() };
}

describe('ingest/traces-route', () => {
  describe('tracesRoute', () => {
    it('answers 400 XRAY_ERR_OTLP_UNSTORABLE, not retryable, when ClickHouse refuses the request\'s own data', async () => {
      const refused = new UnstorableRowsError(new ClickHouseError('Code: 41. DB::Exception: Cannot read DateTime\nWhile executing', 41));
      const reply = await routeWith(() => Promise.reject(refused));
      expect(reply).toMatchObject({ status: 400, code: 'XRAY_ERR_OTLP_UNSTORABLE', retryAfter: undefined });
      expect(reply.body).toEqual({
        code: 3,
        message: "XRAY_ERR_OTLP_UNSTORABLE: ClickHouse refused this request's rows: Code: 41. DB::Exception: Cannot read DateTime",
      });
    });

    it('answers 503 XRAY_ERR_STORE_TIMEOUT with Retry-After when the store does not confirm in time', async () => {
      const reply = await routeWith(() => new Promise(() => {}), 5);
      expect(reply).toMatchObject({ status: 503, code: 'XRAY_ERR_STORE_TIMEOUT', retryAfter: '2' });
      expect(reply.body.message).toContain('within 5 ms');
    });

    it('answers 503 XRAY_ERR_STORE_UNAVAILABLE with Retry-After when ClickHouse fails for any other reason', async () => {
      const reply = await routeWith(() => Promise.reject(new ClickHouseError('Connection refused', 210)));
      expect(reply).toMatchObject({ status: 503, code: 'XRAY_ERR_STORE_UNAVAILABLE', retryAfter: '2' });
    });
  });
});
