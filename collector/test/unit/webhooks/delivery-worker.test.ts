/**
 * The delivery worker's retry schedule, on fake timers: attempts happen when
 * the backoff says (jitter fixed at its ceiling), stop at maxAttempts, and a
 * delivered event is never attempted again. The store is an in-memory map
 * keeping the last version of each delivery, as ReplacingMergeTree + FINAL
 * does; the HTTP attempt is a scripted function.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAddressPolicy } from '../../../src/webhooks/address-policy.js';
import { createDeliveryWorker } from '../../../src/webhooks/delivery-worker.js';
import type { AttemptOutcome } from '../../../src/webhooks/http-delivery.js';
import type { DeliveryRecord, WebhookRecord } from '../../../src/webhooks/webhooks-repository.js';

const webhook: WebhookRecord = {
  appId: 'app',
  webhookId: 'wh_1',
  url: 'https://hooks.example.com/x',
  description: '',
  conditions: [{ type: 'execution_failed' }],
  secretPrefix: 'whsec_x',
  sealedSecret: 'sealed',
  enabled: true,
  createdAtMillis: 0,
  updatedAtMillis: 0,
};

function delivery(eventId: string, nowMillis: number): DeliveryRecord {
  return {
    appId: 'app',
    webhookId: 'wh_1',
    eventId,
    eventType: 'execution.failed',
    pipeline: 'p',
    conditionKey: '',
    executionIds: ['e'],
    body: '{}',
    status: 'pending',
    attempts: 0,
    nextAttemptAtMillis: nowMillis,
    lastAttemptAtMillis: 0,
    lastStatusCode: 0,
    lastError: '',
    createdAtMillis: nowMillis,
    deliveredAtMillis: 0,
  };
}

describe('webhooks/delivery-worker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(script: AttemptOutcome[], maxAttempts = 4) {
    const stored = new Map<string, DeliveryRecord>();
    const attemptTimes: number[] = [];
    let calls = 0;
    const worker = createDeliveryWorker({
      repository: {
        saveDeliveries: async (records) => {
          for (const record of records) stored.set(record.eventId, record);
        },
        pendingDue: async (before) => [...stored.values()].filter((record) => record.status === 'pending' && record.nextAttemptAtMillis < before),
        get: async () => webhook,
      },
      secretOf: () => 'whsec_secret',
      policy: createAddressPolicy(),
      retry: { baseMillis: 1000, maxMillis: 5000, maxAttempts, maxAgeMillis: 3_600_000 },
      timeoutMillis: 100,
      adoptAfterMillis: 60_000,
      adoptIntervalMillis: 0,
      adoptAllOnStart: true,
      onError: (error) => {
        throw error;
      },
      random: () => 0.999_999,
      attempt: async () => {
        attemptTimes.push(Date.now());
        return script[Math.min(calls++, script.length - 1)];
      },
    });
    return { worker, stored, attemptTimes };
  }

  it('retries on the backoff schedule (ceilings 1 s, 2 s, 4 s) until a 2xx, then never again', async () => {
    const { worker, stored, attemptTimes } = setup([
      { ok: false, statusCode: 500, error: 'HTTP 500' },
      { ok: false, statusCode: 0, error: 'No answer within 100 ms' },
      { ok: false, statusCode: 503, error: 'HTTP 503' },
      { ok: true, statusCode: 204 },
    ]);
    await worker.start();
    await worker.enqueue([delivery('evt_1', Date.now())]);
    await vi.advanceTimersByTimeAsync(60_000);
    const start = 1_000_000;
    expect(attemptTimes.map((time) => time - start)).toEqual([0, 999, 999 + 1999, 999 + 1999 + 3999]);
    expect(stored.get('evt_1')).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 204, lastError: '' });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(attemptTimes).toHaveLength(4);
    await worker.stop();
  });

  it('gives up after maxAttempts and keeps the last error', async () => {
    const { worker, stored, attemptTimes } = setup([{ ok: false, statusCode: 500, error: 'HTTP 500' }], 3);
    await worker.start();
    await worker.enqueue([delivery('evt_2', Date.now())]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(attemptTimes).toHaveLength(3);
    expect(stored.get('evt_2')).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500', nextAttemptAtMillis: 0 });
    expect(worker.queued).toBe(0);
    await worker.stop();
  });

  it('resumes what the store holds as pending when it starts', async () => {
    const { worker, stored, attemptTimes } = setup([{ ok: true, statusCode: 200 }]);
    stored.set('evt_3', { ...delivery('evt_3', Date.now() - 10_000), attempts: 2, nextAttemptAtMillis: Date.now() + 5000 });
    stored.set('evt_4', { ...delivery('evt_4', Date.now() - 10_000), status: 'delivered', attempts: 1 });
    await worker.start();
    await vi.advanceTimersByTimeAsync(4999);
    expect(attemptTimes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(attemptTimes).toHaveLength(1);
    expect(stored.get('evt_3')).toMatchObject({ status: 'delivered', attempts: 3 });
    await worker.stop();
  });

  it("keeps one app's slow receivers from holding every attempt slot: another app's event is sent at once", async () => {
    const started: { appId: string; at: number }[] = [];
    // Each webhook's URL names its app; the noisy app's receivers never answer, so each attempt runs into its deadline.
    const get = async (appId: string, webhookId: string) => ({ ...webhook, appId, webhookId, url: `https://${appId}.example.com/${webhookId}` });
    const worker = createDeliveryWorker({
      repository: { saveDeliveries: async () => undefined, pendingDue: async () => [], get },
      secretOf: () => 'whsec_secret',
      policy: createAddressPolicy(),
      retry: { baseMillis: 1000, maxMillis: 5000, maxAttempts: 3, maxAgeMillis: 3_600_000 },
      timeoutMillis: 10_000,
      adoptAfterMillis: 60_000,
      adoptIntervalMillis: 0,
      adoptAllOnStart: true,
      maxConcurrent: 4,
      onError: (error) => {
        throw error;
      },
      random: () => 0.999_999,
      attempt: async (input) => {
        const appId = new URL(input.url).hostname.split('.')[0];
        started.push({ appId, at: Date.now() });
        if (appId === 'quiet') return { ok: true, statusCode: 204 };
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        return { ok: false, statusCode: 0, error: 'No answer within 10000 ms' };
      },
    });
    await worker.start();
    const now = Date.now();
    await worker.enqueue(Array.from({ length: 10 }, (_, index) => ({ ...delivery(`evt_n${index}`, now), appId: 'noisy', webhookId: `wh_n${index}` })));
    await vi.advanceTimersByTimeAsync(1);
    expect(started.filter((entry) => entry.appId === 'noisy').length).toBeGreaterThan(0);
    await worker.enqueue([{ ...delivery('evt_q', Date.now()), appId: 'quiet', webhookId: 'wh_q' }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started.find((entry) => entry.appId === 'quiet')?.at).toBe(now + 1);
    // Every noisy delivery still gets its attempts (3 each), two at a time.
    await vi.advanceTimersByTimeAsync(600_000);
    expect(started.filter((entry) => entry.appId === 'noisy')).toHaveLength(30);
    await worker.stop();
  });

  it('drops the deliveries of an erased app: queued ones unsent, the one in flight not written back', async () => {
    const saved: DeliveryRecord[] = [];
    const attempted: string[] = [];
    const worker = createDeliveryWorker({
      repository: {
        saveDeliveries: async (records) => {
          saved.push(...records);
        },
        pendingDue: async () => [],
        get: async () => webhook,
      },
      secretOf: () => 'whsec_secret',
      policy: createAddressPolicy(),
      retry: { baseMillis: 1000, maxMillis: 5000, maxAttempts: 3, maxAgeMillis: 3_600_000 },
      timeoutMillis: 10_000,
      adoptAfterMillis: 60_000,
      adoptIntervalMillis: 0,
      adoptAllOnStart: true,
      onError: (error) => {
        throw error;
      },
      random: () => 0.999_999,
      attempt: async (input) => {
        attempted.push(input.eventId);
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        return { ok: false, statusCode: 500, error: 'HTTP 500' };
      },
    });
    await worker.start();
    await worker.enqueue([delivery('evt_a', Date.now()), delivery('evt_b', Date.now())]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempted).toEqual(['evt_a']);
    const savedBefore = saved.length;
    worker.forgetApp('app');
    expect(worker.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(attempted).toEqual(['evt_a']);
    expect(saved.slice(savedBefore)).toEqual([]);
    expect(worker.queued).toBe(0);
    await worker.stop();
  });
});
