/**
 * CORS on /v1/traces against a real collector and embedded ClickHouse: no
 * origin allowed by default; a preflight is checked against every app's
 * origins (it has no key), the POST against the key's app only; admin routes
 * validate origins; other routes stay without CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

const SHOP = 'https://shop.example';
const OTHER = 'https://other.example';

function otlpBody(executionId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
      scopeSpans: [{
        spans: [{
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          name: 'checkout',
          kind: 1,
          startTimeUnixNano: String(now - 1_000_000n),
          endTimeUnixNano: String(now),
          attributes: [
            { key: 'xray.execution.id', value: { stringValue: executionId } },
            { key: 'xray.execution.root', value: { boolValue: true } },
          ],
        }],
      }],
    }],
  });
}

describe('CORS on /v1/traces', () => {
  let harness: Harness;
  let otherKey: string;

  beforeAll(async () => {
    harness = await startCollector();
    otherKey = await harness.createApp('other-app');
  });
  afterAll(async () => {
    await harness?.close();
  });

  const preflight = (origin: string, path = '/v1/traces') =>
    fetch(`${harness.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });

  const post = (origin: string | undefined, apiKey: string, executionId: string) =>
    fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { ...(origin ? { origin } : {}), authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: otlpBody(executionId),
    });

  const putOrigins = (appId: string, allowedOrigins: unknown) =>
    fetch(`${harness.url}/api/v1/admin/apps/${appId}/cors`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${harness.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowedOrigins }),
    });

  it('allows no origin by default', async () => {
    const response = await preflight(SHOP);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-xray-error-code')).toBe('XRAY_ERR_CORS_ORIGIN_NOT_ALLOWED');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const write = await post(SHOP, harness.apiKey, 'cors-default');
    expect(write.status).toBe(403);
  });

  it('validates the allow-list and refuses unknown apps and app keys', async () => {
    for (const bad of [['https://shop.example/'], ['shop.example'], ['https://shop.example/path'], 'https://shop.example']) {
      const response = await putOrigins(harness.appId, bad);
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('XRAY_ERR_VALIDATION');
    }
    expect((await putOrigins('no-such-app', [SHOP])).status).toBe(404);
    const withAppKey = await fetch(`${harness.url}/api/v1/admin/apps/${harness.appId}/cors`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
    expect(withAppKey.status).toBe(403);
  });

  it('answers a preflight from an allowed origin and takes the POST of that app', async () => {
    const put = await putOrigins(harness.appId, [SHOP, SHOP]);
    expect(await put.json()).toEqual({ appId: harness.appId, allowedOrigins: [SHOP] });
    const read = await fetch(`${harness.url}/api/v1/admin/apps/${harness.appId}/cors`, { headers: { authorization: `Bearer ${harness.adminToken}` } });
    expect(await read.json()).toEqual({ appId: harness.appId, allowedOrigins: [SHOP] });

    const response = await preflight(SHOP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');

    const write = await post(SHOP, harness.apiKey, 'cors-allowed');
    expect(write.status).toBe(200);
    expect(write.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(write.headers.get('access-control-expose-headers')).toContain('x-xray-error-code');
    const rows = await harness.sql('SELECT execution_id FROM executions FINAL WHERE execution_id = {id:String}', { id: 'cors-allowed' });
    expect(rows).toHaveLength(1);
  });

  it("refuses a POST from an origin another app allows, and stores nothing", async () => {
    // SHOP passes the preflight (the default app allows it) but other-app does not allow it.
    expect((await preflight(SHOP)).status).toBe(204);
    const write = await post(SHOP, otherKey, 'cors-cross-app');
    expect(write.status).toBe(403);
    expect(write.headers.get('x-xray-error-code')).toBe('XRAY_ERR_CORS_ORIGIN_NOT_ALLOWED');
    expect(write.headers.get('access-control-allow-origin')).toBeNull();
    const rows = await harness.sql('SELECT execution_id FROM executions FINAL WHERE execution_id = {id:String}', { id: 'cors-cross-app' });
    expect(rows).toHaveLength(0);
  });

  it('refuses an origin no app allows, and stops allowing an origin once removed', async () => {
    expect((await preflight(OTHER)).status).toBe(403);
    expect((await post(OTHER, harness.apiKey, 'cors-other')).status).toBe(403);
    await putOrigins(harness.appId, []);
    expect((await preflight(SHOP)).status).toBe(403);
    await putOrigins(harness.appId, [SHOP]);
  });

  it('leaves requests without Origin and other routes alone', async () => {
    expect((await post(undefined, otherKey, 'cors-server-side')).status).toBe(200);
    expect((await preflight(SHOP, '/api/v1/executions')).status).toBe(404);
    const api = await fetch(`${harness.url}/api/v1/executions`, { headers: { origin: SHOP, authorization: `Bearer ${harness.apiKey}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get('access-control-allow-origin')).toBeNull();
  });
});
