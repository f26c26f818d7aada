/**
 * Pending deliveries survive a restart: a collector whose receiver keeps
 * failing is stopped with the delivery still pending, the receiver comes
 * back, and a new collector on the same data folder (and master key)
 * delivers the event, once, with the same id, signed with the same secret.
 * Also: an event delivered before the restart is not sent again after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { adminCall, appCall as call } from '../../support/admin-api.js';
import { startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';
import { startReceiver, verifyWebhookSignature } from '../../support/webhook-receiver.js';

const settings = {
  allowPrivate: ['127.0.0.1'],
  timeoutMillis: 400,
  retry: { baseMillis: 50, maxMillis: 200, maxAttempts: 1000, maxAgeMillis: 600_000 },
  evaluateMillis: 0,
};

describe('webhook deliveries across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xray-webhook-restart-'));
  const masterKey = randomBytes(32);
  let harness: Harness | undefined;
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes a pending delivery after a restart and never re-sends a delivered one', async () => {
    const receiver = await startReceiver([503]);
    try {
      harness = await startCollector({ dataDir, masterKey, webhooks: settings });
      const key = (await adminCall(harness, 'POST', '/apps/default/keys', { scopes: ['webhooks'] })).body.apiKey as string;
      const created = await call(harness, key, 'POST', '/webhooks', { url: receiver.url, conditions: [{ type: 'execution_failed' }] });
      const { webhookId } = created.body.webhook;
      const { secret } = created.body;

      // One event delivered before the restart...
      receiver.script = [200];
      const early = executionSpans({ pipeline: 'restart', failed: true, steps: [{ name: 'a', failed: true }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([early.root, ...early.steps]))).status).toBe(200);
      await vi.waitFor(async () => expect((await call(harness!, key, 'GET', `/webhooks/${webhookId}/deliveries`)).body.deliveries[0]?.status).toBe('delivered'), {
        timeout: 30_000,
        interval: 50,
      });

      // ... and one still failing when the collector stops.
      receiver.script = [503];
      const late = executionSpans({ pipeline: 'restart', failed: true, steps: [{ name: 'b', failed: true }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([late.root, ...late.steps]))).status).toBe(200);
      await vi.waitFor(
        async () => {
          const pending = (await call(harness!, key, 'GET', `/webhooks/${webhookId}/deliveries?status=pending`)).body.deliveries;
          expect(pending).toHaveLength(1);
          expect(pending[0].attempts).toBeGreaterThanOrEqual(2);
          expect(pending[0]).toMatchObject({ lastStatusCode: 503, lastError: 'HTTP 503', executionIds: [late.executionId] });
        },
        { timeout: 30_000, interval: 50 },
      );
      await harness.close();
      harness = undefined;
      const lateEventId = receiver.requests.find((request) => JSON.parse(request.body).executionIds[0] === late.executionId)!.eventId;
      expect(receiver.deliveredCounts().get(lateEventId)).toBeUndefined();

      receiver.script = [200];
      harness = await startCollector({ dataDir, masterKey, webhooks: settings });
      await vi.waitFor(async () => expect(receiver.deliveredCounts().get(lateEventId)).toBe(1), { timeout: 30_000, interval: 50 });
      await vi.waitFor(
        async () => expect((await call(harness!, key, 'GET', `/webhooks/${webhookId}/deliveries`)).body.deliveries.map((d: any) => d.status)).toEqual(['delivered', 'delivered']),
        { timeout: 30_000, interval: 50 },
      );
      const last = receiver.requests.filter((request) => request.eventId === lateEventId).at(-1)!;
      expect(last.answer).toBe(200);
      expect(verifyWebhookSignature(secret, last.headers['x-xray-signature'] as string, last.body)).toBe(true);
      // The event delivered before the restart was not sent again.
      const counts = receiver.deliveredCounts();
      expect([...counts.values()]).toEqual([1, 1]);
      expect(receiver.requests.filter((request) => JSON.parse(request.body).executionIds[0] === early.executionId)).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
