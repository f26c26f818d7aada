/**
 * Alert webhooks end to end, on both backends: a real collector (real chDB,
 * or the server code path through the ClickHouse-HTTP endpoint), failing
 * executions sent as real OTLP (by the SDK, and as hand-built requests where
 * the test must re-send the same one), and a real HTTP receiver on
 * 127.0.0.1 that fails the first attempts (a 500, then no answer until the
 * deadline). Each event must arrive exactly once with a 2xx, with a
 * signature the test verifies with its own HMAC, and be listed with its
 * outcome; threshold alerts must fire on crossing and resolve once.
 */
import { randomBytes } from 'node:crypto';
import { XRay } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { adminCall, appCall as call } from '../../support/admin-api.js';
import { startCollector } from '../../support/collector-harness.js';
import type { BackendKind, Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';
import { startReceiver, verifyWebhookSignature } from '../../support/webhook-receiver.js';
import type { Receiver } from '../../support/webhook-receiver.js';

/** Shared by the harness and a second collector on its store, as collectors sharing ClickHouse share XRAY_SECRET_KEY. */
const MASTER_KEY = randomBytes(32);
const WEBHOOK_SETTINGS = {
  allowPrivate: ['127.0.0.0/8'],
  timeoutMillis: 400,
  retry: { baseMillis: 20, maxMillis: 100, maxAttempts: 20, maxAgeMillis: 600_000 },
  evaluateMillis: 0,
};

async function webhookKey(harness: Harness, appId: string): Promise<string> {
  const issued = await adminCall(harness, 'POST', `/apps/${appId}/keys`, { name: 'webhooks', scopes: ['webhooks'] });
  expect(issued.status).toBe(201);
  expect(issued.body.scopes).toEqual(['webhooks']);
  return issued.body.apiKey;
}

async function sendFailed(harness: Harness, apiKey: string, pipeline: string, steps: { name: string; failed?: boolean }[]) {
  const execution = executionSpans({ pipeline, failed: true, steps });
  const body = jsonRequest([execution.root, ...execution.steps]);
  expect((await postJson(harness.url, apiKey, body)).status).toBe(200);
  return { executionId: execution.executionId, body };
}

async function deliveries(harness: Harness, key: string, webhookId: string): Promise<any[]> {
  const { status, body } = await call(harness, key, 'GET', `/webhooks/${webhookId}/deliveries`);
  expect(status).toBe(200);
  return body.deliveries;
}

describe.each<BackendKind>(['embedded', 'server'])('alert webhooks (%s backend)', (backend) => {
  let harness: Harness;
  let receiver: Receiver;
  let key: string;

  beforeAll(async () => {
    receiver = await startReceiver([500, 'hang', 200]);
    harness = await startCollector({ backend, webhooks: WEBHOOK_SETTINGS, masterKey: MASTER_KEY });
    key = await webhookKey(harness, harness.appId);
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it('delivers each failed execution once, after a 500 and a timeout, signed, and lists the outcome', async () => {
    const created = await call(harness, key, 'POST', '/webhooks', {
      url: receiver.url,
      description: 'on-call',
      conditions: [{ type: 'execution_failed', pipeline: 'loan-approval' }],
    });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({ url: receiver.url, enabled: true, secretPrefix: secret.slice(0, 14), conditions: [{ type: 'execution_failed', pipeline: 'loan-approval' }] });
    // The secret is shown once: neither the list nor the webhook carries it, and the store holds it sealed.
    const listed = await call(harness, key, 'GET', '/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const stored = await harness.sql<{ sealed_secret: string }>('SELECT sealed_secret FROM webhooks FINAL WHERE webhook_id = {id:String}', { id: webhook.webhookId });
    expect(stored[0].sealed_secret).not.toContain(secret.slice(6));

    // A failing execution through the real SDK; a completed one and another pipeline's failure make no event.
    const xray = new XRay({ apiKey: harness.apiKey, endpoint: harness.url, pipeline: 'loan-approval' });
    const failed = xray.startExecution();
    failed.recordStep({ name: 'fetch_applicant', output: { id: 'a-1' } });
    failed.recordStep({ name: 'check_rules', error: new Error('income missing') });
    failed.failExecution(new Error('check_rules failed'));
    const completed = xray.startExecution();
    completed.recordStep({ name: 'check_rules', output: { ok: true } });
    completed.completeExecution({ approved: true });
    expect(await xray.flush()).toMatchObject({ failed: 0 });
    await xray.shutdown();
    await sendFailed(harness, harness.apiKey, 'fraud-screening', [{ name: 'score', failed: true }]);

    await vi.waitFor(
      async () => {
        const list = await deliveries(harness, key, webhook.webhookId);
        expect(list.map((delivery) => delivery.status)).toEqual(['delivered']);
      },
      { timeout: 30_000, interval: 50 },
    );
    const [delivery] = await deliveries(harness, key, webhook.webhookId);
    expect(delivery).toMatchObject({
      type: 'execution.failed',
      pipeline: 'loan-approval',
      executionIds: [failed.executionId],
      attempts: 3,
      lastStatusCode: 200,
      lastError: '',
      nextAttemptAt: null,
    });
    expect(delivery.deliveredAt).not.toBeNull();

    const attempts = receiver.requests.filter((request) => request.eventId === delivery.eventId);
    expect(attempts.map((request) => request.answer)).toEqual([500, 'hang', 200]);
    expect(attempts.map((request) => request.headers['x-xray-delivery-attempt'])).toEqual(['1', '2', '3']);
    // Every attempt sends the same bytes, signed with the endpoint's secret (checked with the test's own HMAC).
    expect(new Set(attempts.map((request) => request.body)).size).toBe(1);
    for (const request of attempts) {
      expect(verifyWebhookSignature(secret, request.headers['x-xray-signature'] as string, request.body)).toBe(true);
      expect(verifyWebhookSignature('whsec_wrong', request.headers['x-xray-signature'] as string, request.body)).toBe(false);
    }
    const event = JSON.parse(attempts[0].body);
    expect(event).toMatchObject({
      id: delivery.eventId,
      type: 'execution.failed',
      app: harness.appId,
      webhookId: webhook.webhookId,
      pipeline: 'loan-approval',
      executionIds: [failed.executionId],
      execution: { id: failed.executionId, status: 'failed', failedSteps: ['check_rules'] },
      filter: { pipeline: 'loan-approval', status: 'failed' },
      links: { execution: `/api/v1/executions/${failed.executionId}` },
    });
    // The link is a working query of the API.
    const linked = await fetch(`${harness.url}${event.links.executions}`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
    expect(((await linked.json()) as any).executions.map((row: any) => row.executionId)).toContain(failed.executionId);
    expect(receiver.deliveredCounts().get(delivery.eventId)).toBe(1);
    expect(receiver.requests.every((request) => request.eventId === delivery.eventId)).toBe(true);
  });

  it('makes one event per failed execution, however often the execution is re-sent, and each arrives once', async () => {
    receiver.script = [200];
    const created = await call(harness, key, 'POST', '/webhooks', { url: receiver.url, conditions: [{ type: 'execution_failed', step: 'fetch' }] });
    const { webhookId } = created.body.webhook;
    const first = await sendFailed(harness, harness.apiKey, 'p1', [{ name: 'fetch', failed: true }]);
    const second = await sendFailed(harness, harness.apiKey, 'p2', [{ name: 'fetch', failed: true }, { name: 'decide' }]);
    await sendFailed(harness, harness.apiKey, 'p3', [{ name: 'decide', failed: true }]);
    await vi.waitFor(async () => expect((await deliveries(harness, key, webhookId)).filter((d) => d.status === 'delivered')).toHaveLength(2), {
      timeout: 30_000,
      interval: 50,
    });
    // The same request again (an exporter's retry) is stored again and looked at again, but makes no new event.
    expect((await postJson(harness.url, harness.apiKey, first.body)).status).toBe(200);
    await harness.xray.webhooks.idle();
    await harness.xray.webhooks.evaluator.evaluate();
    const list = await deliveries(harness, key, webhookId);
    expect(list.map((d) => d.executionIds[0]).sort()).toEqual([first.executionId, second.executionId].sort());
    for (const delivery of list) expect(receiver.deliveredCounts().get(delivery.eventId)).toBe(1);
  });

  it('fires a failure-rate alert when it crosses the threshold, once, and resolves it once', async () => {
    receiver.script = [200];
    const created = await call(harness, key, 'POST', '/webhooks', {
      url: receiver.url,
      conditions: [{ type: 'failure_rate', pipeline: 'rates', window: '15m', threshold: 0.5, minExecutions: 4, cooldown: '1m' }],
    });
    const { webhookId } = created.body.webhook;
    const send = async (failed: boolean) => {
      const execution = executionSpans({ pipeline: 'rates', failed, steps: [{ name: 's', failed }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      return execution.executionId;
    };
    const types = async () => (await deliveries(harness, key, webhookId)).map((d) => d.type).reverse();

    await send(false);
    await send(true);
    await send(true);
    await harness.xray.webhooks.evaluator.evaluate();
    expect(await types()).toEqual([]); // 2 of 3 failed, but fewer than minExecutions
    const fourth = await send(false);
    // 2 of 4: at the threshold. A second collector on the same store evaluates the same state at the same
    // time: both make the event, under one id (derived from the alert's previous event), so it is stored once.
    const other = await buildApp({ store: harness.store, maxBodyBytes: 1 << 20, webhooks: WEBHOOK_SETTINGS, masterKey: MASTER_KEY });
    await other.app.ready();
    await Promise.all([other.webhooks.evaluator.evaluate(), harness.xray.webhooks.evaluator.evaluate()]);
    await harness.xray.webhooks.evaluator.evaluate(); // still firing: no second event
    expect(await types()).toEqual(['alert.firing']);
    await vi.waitFor(async () => expect((await deliveries(harness, key, webhookId))[0].status).toBe('delivered'), { timeout: 30_000, interval: 50 });
    await other.app.close();
    for (let i = 0; i < 4; i++) await send(false);
    await harness.xray.webhooks.evaluator.evaluate(); // 2 of 8: below
    await harness.xray.webhooks.evaluator.evaluate();
    expect(await types()).toEqual(['alert.firing', 'alert.resolved']);

    await vi.waitFor(async () => expect((await deliveries(harness, key, webhookId)).every((d) => d.status === 'delivered')).toBe(true), { timeout: 30_000, interval: 50 });
    // As a receiver does, one per event id (both collectors may have sent the firing event).
    const byId = new Map(receiver.requests.filter((r) => JSON.parse(r.body).webhookId === webhookId).map((r) => [r.eventId, JSON.parse(r.body)]));
    const bodies = [...byId.values()];
    expect(bodies.map((b) => [b.type, b.alert.metric, b.alert.value, b.alert.executions])).toEqual([
      ['alert.firing', 'failure_rate', 0.5, 4],
      ['alert.resolved', 'failure_rate', 0.25, 8],
    ]);
    expect(bodies[0].executionIds).toHaveLength(2);
    expect(bodies[0].executionIds).not.toContain(fourth);
  });

  it('fires a p95 duration alert when it crosses the threshold', async () => {
    receiver.script = [200];
    const created = await call(harness, key, 'POST', '/webhooks', {
      url: receiver.url,
      conditions: [{ type: 'p95_duration', window: '1h', thresholdMillis: 1000, minExecutions: 3 }],
    });
    const { webhookId } = created.body.webhook;
    const send = async (durationMs: number) => {
      const execution = executionSpans({ pipeline: 'latency', steps: [{ name: 's' }], startMs: Date.now() - durationMs - 1000 });
      execution.root.durationMs = durationMs;
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    };
    for (let i = 0; i < 3; i++) await send(100);
    await harness.xray.webhooks.evaluator.evaluate();
    const latency = async () => (await deliveries(harness, key, webhookId)).filter((d) => d.pipeline === 'latency').map((d) => d.type);
    expect(await latency()).toEqual([]);
    for (let i = 0; i < 3; i++) await send(5000);
    await harness.xray.webhooks.evaluator.evaluate();
    await harness.xray.webhooks.evaluator.evaluate();
    expect(await latency()).toEqual(['alert.firing']);
    await vi.waitFor(async () => expect((await deliveries(harness, key, webhookId)).find((d) => d.pipeline === 'latency')?.status).toBe('delivered'), {
      timeout: 30_000,
      interval: 50,
    });
    const body = JSON.parse(receiver.requests.filter((r) => JSON.parse(r.body).webhookId === webhookId && JSON.parse(r.body).pipeline === 'latency')[0].body);
    expect(body.alert).toMatchObject({ metric: 'p95_duration_ms', threshold: 1000, executions: 6 });
    expect(body.alert.value).toBeGreaterThanOrEqual(1000);
  });

  it("keeps apps apart: another app's key cannot see or change a webhook, and its failures trigger none", async () => {
    receiver.script = [200];
    const created = await call(harness, key, 'POST', '/webhooks', { url: receiver.url, conditions: [{ type: 'execution_failed', pipeline: 'shared-name' }] });
    const { webhookId } = created.body.webhook;
    const otherApp = `other-${randomBytes(3).toString('hex')}`;
    const otherIngest = await harness.createApp(otherApp);
    const otherKey = await webhookKey(harness, otherApp);

    expect((await call(harness, otherKey, 'GET', '/webhooks')).body).toEqual({ webhooks: [] });
    for (const [method, path, body] of [
      ['GET', `/webhooks/${webhookId}`],
      ['PATCH', `/webhooks/${webhookId}`, { enabled: false }],
      ['DELETE', `/webhooks/${webhookId}`],
      ['GET', `/webhooks/${webhookId}/deliveries`],
      ['POST', `/webhooks/${webhookId}/test`],
    ] as const) {
      const reply = await call(harness, otherKey, method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    }
    expect((await call(harness, key, 'GET', `/webhooks/${webhookId}`)).body.webhook.enabled).toBe(true);

    // The other app's failure in a pipeline of the same name makes no event for this app's webhook.
    await sendFailed(harness, otherIngest, 'shared-name', [{ name: 'x', failed: true }]);
    await harness.xray.webhooks.idle();
    expect(await deliveries(harness, key, webhookId)).toEqual([]);
    // ... while this app's does.
    const own = await sendFailed(harness, harness.apiKey, 'shared-name', [{ name: 'x', failed: true }]);
    await harness.xray.webhooks.idle();
    expect((await deliveries(harness, key, webhookId)).map((d) => d.executionIds)).toEqual([[own.executionId]]);
  });

  it('needs the webhooks scope, which keys do not get by default', async () => {
    for (const apiKey of [harness.apiKey]) {
      const reply = await call(harness, apiKey, 'GET', '/webhooks');
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe('XRAY_ERR_AUTH_SCOPE');
      expect(reply.body.error.message).toContain('"webhooks" scope');
    }
    // And a webhooks-only key cannot read executions.
    expect((await call(harness, key, 'GET', '/executions')).body.error.code).toBe('XRAY_ERR_AUTH_SCOPE');
  });

  it('refuses bad URLs and conditions with codes that say what is wrong', async () => {
    const post = (body: unknown) => call(harness, key, 'POST', '/webhooks', body);
    const condition = [{ type: 'execution_failed' }];
    const cases: [unknown, string, string][] = [
      [{ url: 'ftp://example.com/x', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_INVALID', 'http:// or https://'],
      [{ url: 'https://user:pw@example.com/x', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_INVALID', 'credentials'],
      [{ url: 'not a url', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_INVALID', 'absolute URL'],
      [{ url: 'http://10.1.2.3/x', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN', 'XRAY_WEBHOOK_ALLOW_PRIVATE'],
      [{ url: 'http://169.254.169.254/latest/meta-data', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN', '169.254.169.254'],
      [{ url: 'http://[::ffff:192.168.1.1]/x', conditions: condition }, 'XRAY_ERR_WEBHOOK_URL_FORBIDDEN', 'private'],
      [{ url: receiver.url, conditions: [] }, 'XRAY_ERR_VALIDATION', 'at least one condition'],
      [{ url: receiver.url, conditions: [{ type: 'failure_rate', threshold: 2 }] }, 'XRAY_ERR_VALIDATION', 'threshold'],
      [{ url: receiver.url, conditions: [{ type: 'p95_duration', thresholdMillis: 10, window: '5y' }] }, 'XRAY_ERR_VALIDATION', 'window must be a duration'],
      [{ url: receiver.url, conditions: [{ type: 'no_such_type' }] }, 'XRAY_ERR_VALIDATION', 'type'],
      [{ url: receiver.url, conditions: condition, secret: 'mine' }, 'XRAY_ERR_VALIDATION', 'secret'],
    ];
    for (const [body, code, words] of cases) {
      const reply = await post(body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code, JSON.stringify(body)).toBe(code);
      expect(reply.body.error.message, JSON.stringify(body)).toContain(words);
    }
    expect((await call(harness, key, 'PATCH', '/webhooks/wh_nope', { enabled: false })).body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    expect((await call(harness, key, 'GET', '/webhooks/x/deliveries?status=lost')).body.error.code).toBe('XRAY_ERR_VALIDATION');
  });

  it('sends a test event on request, updates and deletes a webhook', async () => {
    receiver.script = [200];
    const created = await call(harness, key, 'POST', '/webhooks', { url: receiver.url, conditions: [{ type: 'execution_failed' }] });
    const { webhookId } = created.body.webhook;
    const tested = await call(harness, key, 'POST', `/webhooks/${webhookId}/test`);
    expect(tested.status).toBe(202);
    expect(tested.body.delivery).toMatchObject({ type: 'webhook.test', status: 'pending', attempts: 0 });
    await vi.waitFor(async () => expect((await deliveries(harness, key, webhookId))[0].status).toBe('delivered'), { timeout: 30_000, interval: 50 });
    const received = receiver.requests.find((request) => request.eventId === tested.body.delivery.eventId)!;
    expect(verifyWebhookSignature(created.body.secret, received.headers['x-xray-signature'] as string, received.body)).toBe(true);

    const patched = await call(harness, key, 'PATCH', `/webhooks/${webhookId}`, { enabled: false, description: 'paused' });
    expect(patched.body.webhook).toMatchObject({ enabled: false, description: 'paused', url: receiver.url });
    expect((await call(harness, key, 'POST', `/webhooks/${webhookId}/test`)).body.error.code).toBe('XRAY_ERR_WEBHOOK_DISABLED');
    expect((await call(harness, key, 'PATCH', `/webhooks/${webhookId}`, { url: 'gopher://x' })).body.error.code).toBe('XRAY_ERR_WEBHOOK_URL_INVALID');

    expect((await call(harness, key, 'DELETE', `/webhooks/${webhookId}`)).body).toEqual({ deleted: { webhookId } });
    expect((await call(harness, key, 'GET', `/webhooks/${webhookId}`)).status).toBe(404);
    expect((await call(harness, key, 'GET', '/webhooks')).body.webhooks.map((w: any) => w.webhookId)).not.toContain(webhookId);
  });

  it('is in the OpenAPI document and the audit log', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as any;
    for (const path of ['/api/v1/webhooks', '/api/v1/webhooks/{webhookId}', '/api/v1/webhooks/{webhookId}/deliveries', '/api/v1/webhooks/{webhookId}/test']) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(Object.keys(spec.paths['/api/v1/webhooks/{webhookId}']).sort()).toEqual(['delete', 'get', 'patch']);
    await harness.xray.audit.writer.flush();
    const audit = await adminCall(harness, 'GET', '/audit?route=/api/v1/webhooks&limit=50');
    expect(audit.status).toBe(200);
    expect(audit.body.entries.some((entry: any) => entry.method === 'POST' && entry.status === 201 && entry.appId === harness.appId)).toBe(true);
    // The body (with a URL and no secret) is not recorded for app routes; the reply's secret never is.
    expect(JSON.stringify(audit.body)).not.toContain('whsec_');
  });
});
