/**
 * Scoped keys, tried as an attacker holding one key would: an ingest-only key
 * (a service's) cannot read anything, a read-only key (Grafana's) cannot
 * write anything, neither reaches /admin, and keys issued before scopes keep
 * both. Every query route the API documents is tried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-key.js';
import { ensureReadOnlyKey } from '../../src/auth/ensure-read-key.js';
import { adminCall as admin } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { protobufExecution } from '../support/otlp-protobuf.js';
import { decodeProtobufStatus } from '../support/otlp-status.js';

async function issue(harness: Harness, appId: string, scopes: string[]): Promise<string> {
  const reply = await admin(harness, 'POST', `/apps/${appId}/keys`, { name: scopes.join('+'), scopes });
  expect(reply.status).toBe(201);
  expect(reply.body.scopes).toEqual(scopes);
  return reply.body.apiKey;
}

describe('scoped keys', () => {
  let harness: Harness;
  let ingestOnly: string;
  let readOnly: string;
  let both: string;
  let queryPaths: string[];
  let executionId: string;
  let stepSpanId: string;

  beforeAll(async () => {
    harness = await startCollector();
    await harness.createApp('scoped');
    ingestOnly = await issue(harness, 'scoped', ['ingest']);
    readOnly = await issue(harness, 'scoped', ['read']);
    both = await issue(harness, 'scoped', ['ingest', 'read']);
    const e = executionSpans({ pipeline: 'scoped-pipeline', steps: [{ name: 'one' }] });
    executionId = e.executionId;
    stepSpanId = e.steps[0].spanId;
    expect((await postJson(harness.url, ingestOnly, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    queryPaths = Object.keys(spec.paths)
      // The webhook routes need a scope of their own: checked below.
      .filter((path) => path.startsWith('/api/v1/') && !path.startsWith('/api/v1/admin') && !path.startsWith('/api/v1/webhooks'))
      .map((path) => path.replace('{executionId}', executionId).replace('{spanId}', stepSpanId))
      // Routes that need parameters get valid ones, so only the scope decides.
      .map((path) => (path === '/api/v1/executions/compare' ? `${path}?a=${executionId}&b=${executionId}` : path))
      .map((path) => (path === '/api/v1/stats/scores' ? `${path}?name=correct` : path))
      .map((path) => (path.endsWith('/steps/search') ? `${path}?q=word` : path));
    expect(queryPaths.length).toBeGreaterThanOrEqual(8);
  });
  afterAll(async () => {
    await harness?.close();
  });

  const get = (path: string, key: string) => fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('refuses every query route to an ingest-only key with 403 XRAY_ERR_AUTH_SCOPE', async () => {
    for (const path of queryPaths) {
      const response = await get(path, ingestOnly);
      expect(response.status, path).toBe(403);
      expect(response.headers.get('x-xray-error-code'), path).toBe('XRAY_ERR_AUTH_SCOPE');
      const body = (await response.json()) as any;
      expect(body.error.code).toBe('XRAY_ERR_AUTH_SCOPE');
      expect(body.error.message).toContain('"read"');
      expect(body.error.message).not.toContain(ingestOnly);
    }
  });

  it('answers every query route to a read-only key and to a key with both scopes', async () => {
    for (const key of [readOnly, both]) {
      for (const path of queryPaths) {
        const response = await get(path, key);
        expect(response.status, path).toBe(200);
        // The live stream never ends by itself: close it.
        await response.body?.cancel();
      }
    }
    const detail = (await (await get(`/api/v1/executions/${executionId}`, readOnly)).json()) as any;
    expect(detail.steps.map((s: { name: string }) => s.name)).toEqual(['one']);
  });

  it('refuses spans from a read-only key, as OTLP/JSON and OTLP/protobuf, and stores none of them', async () => {
    const e = executionSpans({ pipeline: 'written-by-reader', steps: [{ name: 'forged' }] });
    const json = await postJson(harness.url, readOnly, jsonRequest([e.root, ...e.steps]));
    expect(json.status).toBe(403);
    expect(json.headers.get('x-xray-error-code')).toBe('XRAY_ERR_AUTH_SCOPE');
    expect(json.json).toMatchObject({ code: 7 }); // google.rpc.Code PERMISSION_DENIED
    expect(json.json.message).toContain('XRAY_ERR_AUTH_SCOPE');

    const proto = protobufExecution('written-by-reader-proto');
    const response = await fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${readOnly}` },
      body: proto.body,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const status = decodeProtobufStatus(Buffer.from(await response.arrayBuffer()));
    expect(status.code).toBe(7);
    expect(status.message).toContain('XRAY_ERR_AUTH_SCOPE');

    const stored = await harness.sql<{ n: number }>(
      "SELECT count() AS n FROM executions FINAL WHERE pipeline IN ('written-by-reader', 'written-by-reader-proto')",
    );
    expect(Number(stored[0].n)).toBe(0);
  });

  it('accepts spans from an ingest-only key as protobuf too', async () => {
    const proto = protobufExecution('ingest-only-proto');
    const response = await fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-api-key': ingestOnly },
      body: proto.body,
    });
    expect(response.status).toBe(200);
    const stored = await harness.sql<{ app_id: string }>('SELECT app_id FROM executions FINAL WHERE pipeline = {p:String}', { p: 'ingest-only-proto' });
    expect(stored).toEqual([{ app_id: 'scoped' }]);
  });

  it('keeps /api/v1/webhooks to keys with the "webhooks" scope, which no key gets unless asked for', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const webhookRoutes = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/webhooks'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), path.replace('{webhookId}', 'wh_unknown')] as const));
    expect(webhookRoutes.length).toBeGreaterThanOrEqual(7);
    const initial = await admin(harness, 'POST', '/apps', { appId: 'scoped-webhooks' });
    expect(initial.body.scopes).toEqual(['ingest', 'read']);
    for (const key of [ingestOnly, readOnly, both, initial.body.apiKey]) {
      for (const [method, path] of webhookRoutes) {
        const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(((await response.json()) as any).error.message).toContain('"webhooks" scope');
      }
    }
    const webhooksOnly = await issue(harness, 'scoped', ['webhooks']);
    expect((await get('/api/v1/webhooks', webhooksOnly)).status).toBe(200);
    // ... and such a key can neither read executions nor send spans.
    expect((await get('/api/v1/executions', webhooksOnly)).status).toBe(403);
    const e = executionSpans({ pipeline: 'written-by-webhooks-key', steps: [{ name: 's' }] });
    expect((await postJson(harness.url, webhooksOnly, jsonRequest([e.root, ...e.steps]))).status).toBe(403);
  });

  it('keeps every key, whatever its scopes, out of /admin', async () => {
    for (const key of [ingestOnly, readOnly, both]) {
      for (const [method, path] of [['GET', '/apps'], ['GET', '/apps/scoped/keys'], ['POST', '/apps/scoped/keys']] as const) {
        const response = await fetch(`${harness.url}/api/v1/admin${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify({ scopes: ['ingest', 'read'] }) : undefined,
        });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.headers.get('x-xray-error-code')).toBe('XRAY_ERR_AUTH_ADMIN_REQUIRED');
      }
    }
  });

  it('lists each key with its scopes, and the first key of a new app can be scoped', async () => {
    const listed = await admin(harness, 'GET', '/apps/scoped/keys');
    const scopesByName = Object.fromEntries(listed.body.keys.map((k: { name: string; scopes: string[] }) => [k.name, k.scopes]));
    expect(scopesByName).toMatchObject({ initial: ['ingest', 'read'], ingest: ['ingest'], read: ['read'], 'ingest+read': ['ingest', 'read'] });

    const created = await admin(harness, 'POST', '/apps', { appId: 'scoped-first', scopes: ['read', 'read'] });
    expect(created.status).toBe(201);
    expect(created.body.scopes).toEqual(['read']);
    expect((await postJson(harness.url, created.body.apiKey, jsonRequest([]))).status).toBe(403);
  });

  it('refuses unknown or empty scopes with 400 XRAY_ERR_VALIDATION', async () => {
    for (const scopes of [[], ['admin'], ['ingest', 'write'], 'read']) {
      const reply = await admin(harness, 'POST', '/apps/scoped/keys', { scopes });
      expect(reply.status, JSON.stringify(scopes)).toBe(400);
      expect(reply.body.error.code).toBe('XRAY_ERR_VALIDATION');
    }
  });

  it('gives a key stored before scopes existed both scopes', async () => {
    // The row a pre-0015 collector wrote: no scopes column in the INSERT.
    const oldKey = `xr_${'o'.repeat(43)}`;
    await harness.store.backend.command(
      `INSERT INTO api_keys (key_hash, key_prefix, app_id, name, revoked, version) VALUES ({h:String}, 'xr_oooooooo', 'scoped', 'old', 0, 1)`,
      { h: hashApiKey(oldKey) },
    );
    expect((await get('/api/v1/executions', oldKey)).status).toBe(200);
    const e = executionSpans({ pipeline: 'old-key', steps: [{ name: 's' }] });
    expect((await postJson(harness.url, oldKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
  });

  it('registers XRAY_READ_API_KEY read-only, once, and refuses a key that could write', async () => {
    const grafanaKey = `xr_${'g'.repeat(40)}`;
    await ensureReadOnlyKey(harness.store.apps, 'scoped', grafanaKey);
    await ensureReadOnlyKey(harness.store.apps, 'scoped', grafanaKey);
    const keys = (await admin(harness, 'GET', '/apps/scoped/keys')).body.keys.filter((k: { name: string }) => k.name === 'XRAY_READ_API_KEY');
    expect(keys).toEqual([expect.objectContaining({ scopes: ['read'], revoked: false })]);
    expect((await postJson(harness.url, grafanaKey, jsonRequest([]))).status).toBe(403);
    await expect(ensureReadOnlyKey(harness.store.apps, 'scoped', both)).rejects.toThrow('scopes [ingest, read]');
    await expect(ensureReadOnlyKey(harness.store.apps, 'default', grafanaKey)).rejects.toThrow('already a key of app "scoped"');
  });
});
