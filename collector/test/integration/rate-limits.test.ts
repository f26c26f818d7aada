/**
 * Rate limits per app and per key, against a real collector: a flood from one
 * app gets 429 with Retry-After and the OTLP status (RESOURCE_EXHAUSTED) in
 * the request's own content type, while another app's requests sent at the
 * same moment all succeed; the throttled requests are counted in /metrics by
 * app; limits are set per app through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall as admin } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { protobufExecution } from '../support/otlp-protobuf.js';
import { decodeProtobufStatus } from '../support/otlp-status.js';

function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const RATE = 0.01;

describe('rate limits', () => {
  let harness: Harness;
  let floodKey: string;
  let calmKey: string;

  beforeAll(async () => {
    // A slow refill (one token per 100 s) makes the counts exact on a loaded
    // machine; the calm app proves a flood leaves other apps alone.
    harness = await startCollector({ rateLimit: { requestsPerSecond: RATE, burst: 30 } });
    floodKey = await harness.createApp('flood-app');
    calmKey = await harness.createApp('calm-app');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("answers a flood with 429, Retry-After and RESOURCE_EXHAUSTED, while another app's requests all succeed", async () => {
    const startedAt = Date.now();
    const flood = Array.from({ length: 150 }, (_, i) => {
      const e = executionSpans({ pipeline: 'flood', steps: [{ name: `s${i}` }] });
      return postJson(harness.url, floodKey, jsonRequest([e.root, ...e.steps]));
    });
    const calmExecutions = Array.from({ length: 25 }, () => executionSpans({ pipeline: 'calm', steps: [{ name: 'c' }] }));
    const calm = calmExecutions.map((e) => postJson(harness.url, calmKey, jsonRequest([e.root, ...e.steps])));
    const [floodReplies, calmReplies] = await Promise.all([Promise.all(flood), Promise.all(calm)]);

    expect(calmReplies.map((r) => r.status)).toEqual(calmReplies.map(() => 200));
    const accepted = floodReplies.filter((r) => r.status === 200);
    const limited = floodReplies.filter((r) => r.status === 429);
    expect(accepted.length + limited.length).toBe(150);
    // The burst of 30, plus what refilled while the flood ran.
    expect(accepted.length).toBeGreaterThanOrEqual(30);
    expect(accepted.length).toBeLessThanOrEqual(30 + Math.floor(((Date.now() - startedAt) / 1000) * RATE));
    for (const reply of limited) {
      expect(reply.headers.get('x-xray-error-code')).toBe('XRAY_ERR_RATE_LIMITED');
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(reply.headers.get('retry-after'))).toBeLessThanOrEqual(1 / RATE);
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      expect(reply.json).toMatchObject({ code: 8 });
      expect(reply.json.message).toContain('XRAY_ERR_RATE_LIMITED');
      expect(reply.json.message).not.toContain(floodKey);
    }

    // What was acknowledged is stored; nothing of a refused request is.
    const stored = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE app_id = 'flood-app'");
    expect(Number(stored[0].n)).toBe(accepted.length);
    const calmStored = await harness.sql<{ n: number }>("SELECT count() AS n FROM executions FINAL WHERE app_id = 'calm-app'");
    expect(Number(calmStored[0].n)).toBe(25);

    // The flooding app is refused on the query API too; the calm one is not.
    const query = await fetch(`${harness.url}/api/v1/executions`, { headers: { authorization: `Bearer ${floodKey}` } });
    expect(query.status).toBe(429);
    expect(Number(query.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await query.json()) as any).error).toMatchObject({ code: 'XRAY_ERR_RATE_LIMITED', retryable: true });
    expect((await fetch(`${harness.url}/api/v1/executions`, { headers: { authorization: `Bearer ${calmKey}` } })).status).toBe(200);

    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    const counted = ['key', 'app'].reduce(
      (sum, limit) => sum + ['ingest', 'read'].reduce((n, route) => n + metricValue(metrics, 'xray_rate_limited_requests_total', { app: 'flood-app', limit, route }), 0),
      0,
    );
    expect(counted).toBe(limited.length + 1);
    expect(metricValue(metrics, 'xray_rate_limited_requests_total', { app: 'calm-app' })).toBe(0);
  });

  it('answers a throttled protobuf request with a protobuf google.rpc.Status', async () => {
    const key = await harness.createApp('proto-flood');
    const replies = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${harness.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'x-api-key': key },
          body: protobufExecution('proto-flood').body,
        }),
      ),
    );
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const status = decodeProtobufStatus(Buffer.from(await limited[0].arrayBuffer()));
    expect(status.code).toBe(8);
    expect(status.message).toContain('XRAY_ERR_RATE_LIMITED');
  });

  it('sets, shows and resets an app limit through the admin API, and it applies at once', async () => {
    const key = await harness.createApp('configured');
    expect((await admin(harness, 'GET', '/apps/configured/limits')).body).toEqual({
      requestsPerSecond: RATE,
      burst: 30,
      keyRequestsPerSecond: RATE,
      keyBurst: 30,
      source: 'default',
    });
    const set = await admin(harness, 'PUT', '/apps/configured/limits', { requestsPerSecond: 0.01, burst: 3 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ requestsPerSecond: 0.01, burst: 3, source: 'app' });

    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await postJson(harness.url, key, jsonRequest([]))).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);

    const reset = await admin(harness, 'DELETE', '/apps/configured/limits');
    expect(reset.body).toMatchObject({ requestsPerSecond: RATE, burst: 30, source: 'default' });
  });

  it("limits each key on its own when the app sets a per-key limit, so one key cannot use up its app's budget", async () => {
    const first = await harness.createApp('per-key');
    const second = (await admin(harness, 'POST', '/apps/per-key/keys', { name: 'second' })).body.apiKey as string;
    await admin(harness, 'PUT', '/apps/per-key/limits', { requestsPerSecond: 1000, burst: 1000, keyRequestsPerSecond: 0.1, keyBurst: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(harness.url, first, jsonRequest([]))).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const refused = await postJson(harness.url, first, jsonRequest([]));
    expect(refused.json.message).toContain(`Key ${first.slice(0, 11)}…`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    expect((await postJson(harness.url, second, jsonRequest([]))).status).toBe(200);
  });

  it('refuses invalid limits and unknown apps', async () => {
    for (const body of [{ requestsPerSecond: 0, burst: 1 }, { requestsPerSecond: 1, burst: 0.5 }, { requestsPerSecond: 1 }, { requestsPerSecond: 1, burst: 1, keyBurst: 1 }, { requestsPerSecond: 1, burst: 1, extra: 1 }]) {
      const reply = await admin(harness, 'PUT', '/apps/configured/limits', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('XRAY_ERR_VALIDATION');
    }
    expect((await admin(harness, 'PUT', '/apps/no-such-app/limits', { requestsPerSecond: 1, burst: 1 })).status).toBe(404);
    expect((await admin(harness, 'GET', '/apps/no-such-app/limits')).status).toBe(404);
  });
});

describe('made-up keys', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ keyLookupLimit: { requestsPerSecond: 0.01, burst: 20 } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answer 429 once the lookup budget is spent, while known keys keep working', async () => {
    const e = executionSpans({ pipeline: 'known-key', steps: [{ name: 's' }] });
    // The known key's first use is a lookup too: one of the 20.
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
    const made = Array.from({ length: 60 }, (_, i) => `xr_madeup${String(i).padStart(4, '0')}${'x'.repeat(30)}`);
    const replies = [];
    for (const key of made) replies.push(await postJson(harness.url, key, jsonRequest([])));
    const statuses = replies.map((r) => r.status);
    expect(statuses.slice(0, 19)).toEqual(made.slice(0, 19).map(() => 401));
    expect(statuses.slice(19)).toEqual(made.slice(19).map(() => 429));
    expect(replies[30].headers.get('x-xray-error-code')).toBe('XRAY_ERR_RATE_LIMITED');
    expect(replies[30].headers.get('retry-after')).toBe('2');
    const query = await fetch(`${harness.url}/api/v1/executions`, { headers: { authorization: `Bearer ${made[59]}` } });
    expect(query.status).toBe(429);

    expect((await postJson(harness.url, harness.apiKey, jsonRequest([])))).toMatchObject({ status: 200 });
    expect((await fetch(`${harness.url}/api/v1/executions`, { headers: { authorization: `Bearer ${harness.apiKey}` } })).status).toBe(200);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metricValue(metrics, 'xray_rate_limited_requests_total', { limit: 'key_lookups' })).toBe(42);
  });
});
