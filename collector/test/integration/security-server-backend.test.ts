/**
 * Scopes, per-app limits and signing secrets through the server backend
 * (@clickhouse/client over the ClickHouse-HTTP test endpoint), so arrays,
 * NULLs and sealed strings round-trip on that code path too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/auth/signature.js';
import { adminCall as admin } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

describe('security settings on the server backend', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ backend: 'server' });
    await harness.createApp('server-app');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('stores and enforces scopes', async () => {
    const reply = await admin(harness, 'POST', '/apps/server-app/keys', { scopes: ['read'] });
    expect(reply.body.scopes).toEqual(['read']);
    const listed = await admin(harness, 'GET', '/apps/server-app/keys');
    expect(listed.body.keys.map((k: { scopes: string[] }) => k.scopes)).toEqual(expect.arrayContaining([['ingest', 'read'], ['read']]));
    expect((await postJson(harness.url, reply.body.apiKey, jsonRequest([]))).status).toBe(403);
  });

  it('stores limits, including a return to the defaults (NULLs)', async () => {
    expect((await admin(harness, 'PUT', '/apps/server-app/limits', { requestsPerSecond: 1.5, burst: 3, keyRequestsPerSecond: 0.5, keyBurst: 2 })).body).toEqual({
      requestsPerSecond: 1.5,
      burst: 3,
      keyRequestsPerSecond: 0.5,
      keyBurst: 2,
      source: 'app',
    });
    expect((await admin(harness, 'DELETE', '/apps/server-app/limits')).body).toMatchObject({ requestsPerSecond: 200, burst: 400, source: 'default' });
  });

  it('stores a sealed signing secret and verifies with it', async () => {
    const key = (await admin(harness, 'POST', '/apps/server-app/keys', {})).body.apiKey as string;
    const { secret } = (await admin(harness, 'POST', '/apps/server-app/signing-secrets')).body;
    expect((await admin(harness, 'PUT', '/apps/server-app/signing', { required: true })).status).toBe(200);
    const e = executionSpans({ pipeline: 'server-signed', steps: [{ name: 's' }] });
    const body = jsonRequest([e.root, ...e.steps]);
    expect((await postJson(harness.url, key, body)).status).toBe(401);
    const t = Math.floor(Date.now() / 1000);
    const signed = await postJson(harness.url, key, body, { 'x-xray-signature': `t=${t},v1=${signBody(secret, t, Buffer.from(body))}` });
    expect(signed.status).toBe(200);
  });
});
