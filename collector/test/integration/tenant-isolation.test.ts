/**
 * The API key decides the app: nothing written with one app's key can be
 * read, searched, counted or overwritten with another's. Every query route is
 * checked; a route added later without a case here fails the coverage test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { openSse } from '../support/sse-client.js';

const SECRET_WORD = 'zanzibarquokka';

describe('tenant isolation', () => {
  let harness: Harness;
  let keyA: string;
  let keyB: string;
  let executionA: ReturnType<typeof executionSpans>;
  /** Each app's key with the "webhooks" scope, by its ordinary key; and app A's webhook. */
  const webhooksKeyOf = new Map<string, string>();
  let webhookA: string;

  beforeAll(async () => {
    harness = await startCollector();
    keyA = await harness.createApp('tenant-a');
    keyB = await harness.createApp('tenant-b');
    executionA = executionSpans({
      pipeline: 'a-only-pipeline',
      failed: true,
      steps: [{ name: 'a-step', reasoning: `Rejected by ${SECRET_WORD} rule`, failed: true }],
    });
    // gen_ai usage, for the cost statistics.
    Object.assign(executionA.steps[0].attributes!, { 'gen_ai.request.model': 'a-only-model', 'gen_ai.usage.input_tokens': 100, 'xray.step.cost_usd': 0.5 });
    expect((await postJson(harness.url, keyA, jsonRequest([executionA.root, ...executionA.steps]))).status).toBe(200);
    const scored = await fetch(`${harness.url}/api/v1/executions/${executionA.executionId}/scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: false }),
    });
    expect(scored.status).toBe(201);
    for (const [appId, key] of [['tenant-a', keyA], ['tenant-b', keyB]]) {
      webhooksKeyOf.set(key, (await adminCall(harness, 'POST', `/apps/${appId}/keys`, { scopes: ['webhooks'] })).body.apiKey);
    }
    const created = await fetch(`${harness.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${webhooksKeyOf.get(keyA)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.invalid/a', conditions: [{ type: 'execution_failed' }] }),
    });
    expect(created.status).toBe(201);
    webhookA = ((await created.json()) as any).webhook.webhookId;
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** Each query route, with what app A sees and what app B must see instead. */
  /** A live stream resumed from the start: its replay (up to the "following live" comment) as `{ events }`. */
  async function replayOf(path: string, key: string): Promise<{ status: number; body: any }> {
    const stream = await openSse(`${harness.url}${path}`, { authorization: `Bearer ${key}` });
    if (stream.status !== 200) return { status: stream.status, body: stream.errorBody };
    const seen = await stream.collect((m) => m.type === 'comment' && m.data.startsWith('replayed'));
    stream.close();
    return { status: 200, body: { events: seen.filter((m) => m.type === 'execution').map((m) => JSON.parse(m.data)) } };
  }
  // The smallest position a stream can resume from: everything stored after it.
  const FROM_THE_START = `1-${Buffer.from('0').toString('base64url')}`;

  /** A webhook route, called with the app's webhooks-scoped key. */
  const asWebhooks = (method: string) => async (path: string, key: string) => {
    const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${webhooksKeyOf.get(key)}` } });
    return { status: response.status, body: (await response.json()) as any };
  };
  const notFoundForB = (status: number, body: any) => {
    expect(status).toBe(404);
    expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
  };

  const routes: {
    route: string;
    /** The method the anonymous check uses (GET when unset). */
    method?: string;
    path: () => string;
    read?: (path: string, key: string) => Promise<{ status: number; body: any }>;
    seenByA: (body: any) => void;
    seenByB: (status: number, body: any) => void;
  }[] = [
    {
      route: '/api/v1/webhooks',
      path: () => '/api/v1/webhooks',
      read: asWebhooks('GET'),
      seenByA: (body) => expect(body.webhooks.map((w: { webhookId: string }) => w.webhookId)).toEqual([webhookA]),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.webhooks).toEqual([]);
      },
    },
    {
      route: '/api/v1/webhooks/{webhookId}',
      path: () => `/api/v1/webhooks/${webhookA}`,
      read: asWebhooks('GET'),
      seenByA: (body) => expect(body.webhook.webhookId).toBe(webhookA),
      seenByB: notFoundForB,
    },
    {
      route: '/api/v1/webhooks/{webhookId}/deliveries',
      path: () => `/api/v1/webhooks/${webhookA}/deliveries`,
      read: asWebhooks('GET'),
      seenByA: (body) => expect(body.deliveries).toEqual([]),
      seenByB: notFoundForB,
    },
    {
      route: '/api/v1/webhooks/{webhookId}/test',
      method: 'POST',
      path: () => `/api/v1/webhooks/${webhookA}/test`,
      read: asWebhooks('POST'),
      seenByA: (body) => expect(body.delivery.type).toBe('webhook.test'),
      seenByB: notFoundForB,
    },
    {
      route: '/api/v1/executions/stream',
      path: () => `/api/v1/executions/stream?lastEventId=${FROM_THE_START}`,
      read: replayOf,
      seenByA: (body) => expect(body.events.map((e: { executionId: string }) => e.executionId)).toEqual([executionA.executionId]),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.events).toEqual([]);
      },
    },
    {
      route: '/api/v1/executions',
      path: () => '/api/v1/executions?pipeline=a-only-pipeline',
      seenByA: (body) => expect(body.executions).toHaveLength(1),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.executions).toEqual([]);
      },
    },
    {
      route: '/api/v1/executions/{executionId}',
      path: () => `/api/v1/executions/${executionA.executionId}`,
      seenByA: (body) => expect(body.steps).toHaveLength(1),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/executions/compare',
      path: () => `/api/v1/executions/compare?a=${executionA.executionId}&b=${executionA.executionId}`,
      seenByA: (body) => expect(body.summary.unchanged).toBe(1),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/executions/{executionId}/steps',
      path: () => `/api/v1/executions/${executionA.executionId}/steps`,
      seenByA: (body) => expect(body.steps).toHaveLength(1),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/export',
      path: () => '/api/v1/export?format=json&steps=true',
      seenByA: (body) => {
        expect(body.map((e: { executionId: string }) => e.executionId)).toEqual([executionA.executionId]);
        expect(body[0].steps.map((s: { name: string }) => s.name)).toEqual(['a-step']);
      },
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body).toEqual([]);
      },
    },
    {
      route: '/api/v1/executions/{executionId}/outline',
      path: () => `/api/v1/executions/${executionA.executionId}/outline`,
      seenByA: (body) => expect(body.steps.name).toEqual(['a-step']),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/executions/{executionId}/steps/search',
      path: () => `/api/v1/executions/${executionA.executionId}/steps/search?q=${SECRET_WORD}`,
      seenByA: (body) => expect(body.spanIds).toEqual([executionA.steps[0].spanId]),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/executions/{executionId}/steps/{spanId}',
      path: () => `/api/v1/executions/${executionA.executionId}/steps/${executionA.steps[0].spanId}`,
      seenByA: (body) => expect(body.step.name).toBe('a-step'),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/steps',
      path: () => `/api/v1/steps?q=${SECRET_WORD}`,
      seenByA: (body) => expect(body.steps).toHaveLength(1),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.steps).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/failure-rate',
      path: () => '/api/v1/stats/failure-rate?pipeline=a-only-pipeline&interval=1h',
      seenByA: (body) => expect(body.series).toHaveLength(1),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.series).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/durations',
      path: () => '/api/v1/stats/durations?pipeline=a-only-pipeline&interval=1h',
      seenByA: (body) => expect(body.points.reduce((n: number, p: { executions: number }) => n + p.executions, 0)).toBe(1),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.points).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/top-failing-steps',
      path: () => '/api/v1/stats/top-failing-steps',
      seenByA: (body) => expect(body.steps.map((s: { name: string }) => s.name)).toContain('a-step'),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.steps).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/step-durations',
      path: () => '/api/v1/stats/step-durations?pipeline=a-only-pipeline',
      seenByA: (body) => expect(body.steps.map((s: { name: string }) => s.name)).toContain('a-step'),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.steps).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/summary',
      path: () => '/api/v1/stats/summary?pipeline=a-only-pipeline',
      seenByA: (body) => expect(body.executions).toBe(1),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.executions).toBe(0);
      },
    },
    {
      route: '/api/v1/executions/{executionId}/scores',
      path: () => `/api/v1/executions/${executionA.executionId}/scores`,
      seenByA: (body) => expect(body.scores.map((s: { value: unknown }) => s.value)).toEqual([false]),
      seenByB: (status, body) => {
        expect(status).toBe(404);
        expect(body.error.code).toBe('XRAY_ERR_NOT_FOUND');
      },
    },
    {
      route: '/api/v1/stats/scores',
      path: () => '/api/v1/stats/scores?name=correct&interval=1h',
      seenByA: (body) => expect(body.series.map((s: { pipeline: string }) => s.pipeline)).toEqual(['a-only-pipeline']),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.series).toEqual([]);
      },
    },
    {
      route: '/api/v1/stats/cost',
      path: () => '/api/v1/stats/cost?groupBy=model&interval=1h',
      seenByA: (body) => {
        expect(body.series.map((s: { key: string }) => s.key)).toEqual(['a-only-model']);
        expect(body.totals).toMatchObject({ inputTokens: 100, costUsd: 0.5, steps: 1 });
      },
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.series).toEqual([]);
        expect(body.totals).toMatchObject({ inputTokens: 0, costUsd: 0, steps: 0 });
      },
    },
    {
      route: '/api/v1/executions?score.<name>=<value>',
      path: () => '/api/v1/executions?score.correct=false',
      seenByA: (body) => expect(body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([executionA.executionId]),
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.executions).toEqual([]);
      },
    },
    {
      route: '/api/v1/pipelines',
      path: () => '/api/v1/pipelines',
      seenByA: (body) => {
        expect(body.pipelines).toContain('a-only-pipeline');
        expect(body.environments).toContain('test');
      },
      seenByB: (status, body) => {
        expect(status).toBe(200);
        expect(body.pipelines).not.toContain('a-only-pipeline');
        expect(body.environments).toEqual([]);
      },
    },
  ];

  for (const route of routes) {
    it(`${route.method ?? 'GET'} ${route.route} shows app A's data to A only`, async () => {
      const read = route.read ?? ((path: string, key: string) => getJson(harness, path, key));
      const a = await read(route.path(), keyA);
      expect(a.status).toBe(route.method === 'POST' ? 202 : 200);
      route.seenByA(a.body);
      const b = await read(route.path(), keyB);
      route.seenByB(b.status, b.body);
      const anonymous = await fetch(`${harness.url}${route.path()}`, { method: route.method ?? 'GET' });
      expect(anonymous.status).toBe(401);
    });
  }

  it('covers every query route the API documents', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const documented = Object.keys(spec.paths).filter((path) => path.startsWith('/api/v1/') && !path.startsWith('/api/v1/admin'));
    expect(documented.sort()).toEqual([...new Set(routes.map((r) => r.route.split('?')[0]))].sort());
  });

  it("never lets a key score another app's execution, nor read or overwrite its scores", async () => {
    const forged = await fetch(`${harness.url}/api/v1/executions/${executionA.executionId}/scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: true }),
    });
    expect(forged.status).toBe(404);
    expect(((await forged.json()) as any).error.code).toBe('XRAY_ERR_NOT_FOUND');
    const rows = await harness.sql<{ app_id: string; value_text: string }>(
      'SELECT app_id, value_text FROM scores WHERE execution_id = {id:String}',
      { id: executionA.executionId },
    );
    expect(rows).toEqual([{ app_id: 'tenant-a', value_text: 'false' }]);
    const anonymous = await fetch(`${harness.url}/api/v1/executions/${executionA.executionId}/scores`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: true }),
    });
    expect(anonymous.status).toBe(401);
  });

  it("never lets a key write into another app's rows, whatever the spans claim", async () => {
    // App B replays A's execution id and claims to be app A.
    const forged = executionSpans({ executionId: executionA.executionId, pipeline: 'a-only-pipeline', steps: [{ name: 'forged-step' }] });
    forged.root.attributes = { ...forged.root.attributes, 'xray.app.id': 'tenant-a' };
    expect((await postJson(harness.url, keyB, jsonRequest([forged.root, ...forged.steps]))).status).toBe(200);

    const a = await getJson(harness, `/api/v1/executions/${executionA.executionId}`, keyA);
    expect(a.body.steps.map((s: { name: string }) => s.name)).toEqual(['a-step']);
    expect(a.body.execution.status).toBe('failed');
    const b = await getJson(harness, `/api/v1/executions/${executionA.executionId}`, keyB);
    expect(b.body.steps.map((s: { name: string }) => s.name)).toEqual(['forged-step']);

    const rows = await harness.sql<{ app_id: string; name: string }>(
      'SELECT app_id, name FROM steps FINAL WHERE execution_id = {id:String} ORDER BY app_id',
      { id: executionA.executionId },
    );
    expect(rows).toEqual([
      { app_id: 'tenant-a', name: 'a-step' },
      { app_id: 'tenant-b', name: 'forged-step' },
    ]);
  });

  it('refuses admin routes to app keys', async () => {
    const response = await fetch(`${harness.url}/api/v1/admin/apps`, { headers: { authorization: `Bearer ${keyA}` } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error.code).toBe('XRAY_ERR_AUTH_ADMIN_REQUIRED');
  });

  it('stops accepting a revoked key at once', async () => {
    const list = await fetch(`${harness.url}/api/v1/admin/apps/tenant-b/keys`, { headers: { authorization: `Bearer ${harness.adminToken}` } });
    const { keys: all } = (await list.json()) as { keys: { keyPrefix: string; scopes: string[] }[] };
    // Its first key (the other is the webhooks-scoped key issued in beforeAll).
    const keys = all.filter((key) => !key.scopes.includes('webhooks'));
    expect(keys).toHaveLength(1);
    expect(keyB.startsWith(keys[0].keyPrefix)).toBe(true);
    const revoke = await fetch(`${harness.url}/api/v1/admin/apps/tenant-b/keys/${keys[0].keyPrefix}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${harness.adminToken}` },
    });
    expect(revoke.status).toBe(200);
    const after = await getJson(harness, '/api/v1/executions', keyB);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('XRAY_ERR_AUTH_INVALID_KEY');
    const otlp = await postJson(harness.url, keyB, jsonRequest([]));
    expect(otlp.status).toBe(401);
  });

  it('stores keys only as hashes', async () => {
    const rows = await harness.sql<{ key_hash: string; key_prefix: string }>('SELECT key_hash, key_prefix FROM api_keys');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key_prefix.length).toBeLessThan(16);
    }
    const everything = JSON.stringify(await harness.sql('SELECT * FROM api_keys'));
    for (const key of [keyA, keyB, harness.apiKey]) expect(everything).not.toContain(key);
  });
});
