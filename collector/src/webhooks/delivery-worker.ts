/**
 * Sends webhook deliveries and keeps their state in ClickHouse, so a
 * restarted collector resumes what is still pending.
 *
 * A delivery is saved as `pending` before its first attempt, and saved again
 * after every attempt: `delivered` on a 2xx, `failed` when the retry policy
 * gives up, otherwise `pending` with its next attempt (backoff.ts). Due
 * deliveries wait in memory, on one unref'd timer. One attempt per webhook
 * is in flight at a time, at most half of all attempts for one app, and a
 * few in all, so a slow or failing receiver only delays its own app's
 * deliveries (one app's receivers that never answer cannot take every slot).
 *
 * Exactly once, from the receiver's view: a delivered event is never sent
 * again by this collector, and its `delivered` state is written before it
 * is forgotten (a failed write is retried, the row stays out of the queue
 * meanwhile). If the collector dies between the receiver's 2xx and that
 * write, the event is sent again after the restart with the same event id,
 * which is what receivers deduplicate on.
 *
 * Several collectors on one ClickHouse: each sends what it created; a
 * pending delivery overdue by `adoptAfterMillis` (its collector is gone) is
 * adopted by whichever collector scans next. The embedded store has one
 * collector per data folder, so at start-up it adopts every due delivery.
 */
import type { AddressPolicy } from './address-policy.js';
import { nextAttemptAt } from './backoff.js';
import type { RetryPolicy } from './backoff.js';
import { attemptDelivery } from './http-delivery.js';
import type { AttemptInput, AttemptOutcome } from './http-delivery.js';
import type { DeliveryRecord, WebhookRecord, WebhooksRepository } from './webhooks-repository.js';

export interface DeliveryWorkerOptions {
  repository: Pick<WebhooksRepository, 'saveDeliveries' | 'pendingDue' | 'get'>;
  /** The webhook if this collector knows it enabled (a cache); the store is asked only when it does not. */
  cachedWebhook?(appId: string, webhookId: string): Promise<WebhookRecord | undefined>;
  /** The webhook's signing secret in clear; throws when it cannot be opened. */
  secretOf(webhook: WebhookRecord): string;
  policy: AddressPolicy;
  retry: RetryPolicy;
  timeoutMillis: number;
  /** A pending delivery this overdue belongs to no living collector and is adopted. */
  adoptAfterMillis: number;
  /** How often overdue deliveries are looked for; 0 = only at start-up. */
  adoptIntervalMillis: number;
  /** At start-up, adopt every due pending delivery (only this collector uses the store). */
  adoptAllOnStart: boolean;
  /** Attempts in flight at once, all webhooks together. */
  maxConcurrent?: number;
  /** Attempts in flight at once for one app (default: half of maxConcurrent). */
  maxConcurrentPerApp?: number;
  /** Deliveries one webhook may have queued; newer events beyond it are dropped (and reported). */
  maxPendingPerWebhook?: number;
  onError(error: unknown, message: string): void;
  /** After each attempt, for metrics. */
  onAttempt?(delivery: DeliveryRecord, outcome: AttemptOutcome): void;
  /** Events dropped because their webhook's queue is full. */
  onDropped?(appId: string, webhookId: string, count: number): void;
  /** Jitter source (tests pass a fixed one); Math.random when omitted. */
  random?: () => number;
  /** The HTTP attempt (tests of the worker alone may pass their own). */
  attempt?: (input: AttemptInput, policy: AddressPolicy) => Promise<AttemptOutcome>;
}

export interface DeliveryWorker {
  /** Loads pending deliveries from the store and starts sending. */
  start(): Promise<void>;
  /** Stops scheduling and waits for the attempts in flight. */
  stop(): Promise<void>;
  /** Saves new pending deliveries, then sends them. Returns those queued (others were dropped). */
  enqueue(records: readonly DeliveryRecord[]): Promise<DeliveryRecord[]>;
  /**
   * Drops every delivery of an app being erased: queued ones at once, one in
   * flight when its attempt ends, none of them written back to the store.
   */
  forgetApp(appId: string): void;
  /** Deliveries waiting here (pending, not yet given up). */
  readonly queued: number;
}

const MAX_FINISHED = 10_000;
const keyOf = (record: Pick<DeliveryRecord, 'appId' | 'webhookId' | 'eventId'>) => `${record.appId}\u0000${record.webhookId}\u0000${record.eventId}`;
const webhookKeyOf = (record: Pick<DeliveryRecord, 'appId' | 'webhookId'>) => `${record.appId}\u0000${record.webhookId}`;

/**
 * @example
 * const worker = createDeliveryWorker({ repository, secretOf, policy, retry, timeoutMillis: 10_000, adoptAfterMillis: 300_000, adoptIntervalMillis: 60_000, adoptAllOnStart: true, onError });
 * await worker.start();
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const maxConcurrent = options.maxConcurrent ?? 16;
  const maxConcurrentPerApp = options.maxConcurrentPerApp ?? Math.max(1, Math.floor(maxConcurrent / 2));
  const maxPendingPerWebhook = options.maxPendingPerWebhook ?? 1000;
  const attempt = options.attempt ?? attemptDelivery;
  const queue = new Map<string, DeliveryRecord>();
  const perWebhook = new Map<string, number>();
  const busyWebhooks = new Set<string>();
  const busyPerApp = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  /** Final states not yet written (a failed save); retried on every pump, never re-sent. */
  const unsaved = new Map<string, DeliveryRecord>();
  /** Deliveries this collector finished lately: a scan that read them before their final write must not queue them again. */
  const finished = new Set<string>();
  /** Attempts in flight for an erased app: their outcome is not saved (it would bring the app's rows back). */
  const erased = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let adoptTimer: NodeJS.Timeout | undefined;
  let running = false;

  function add(record: DeliveryRecord): boolean {
    const key = keyOf(record);
    if (queue.has(key) || unsaved.has(key) || finished.has(key)) return true;
    const webhookKey = webhookKeyOf(record);
    const count = perWebhook.get(webhookKey) ?? 0;
    if (count >= maxPendingPerWebhook) return false;
    queue.set(key, record);
    perWebhook.set(webhookKey, count + 1);
    return true;
  }

  function forget(record: DeliveryRecord): void {
    const key = keyOf(record);
    if (!queue.delete(key)) return;
    const webhookKey = webhookKeyOf(record);
    const count = (perWebhook.get(webhookKey) ?? 1) - 1;
    if (count <= 0) perWebhook.delete(webhookKey);
    else perWebhook.set(webhookKey, count);
  }

  async function save(record: DeliveryRecord): Promise<void> {
    try {
      await options.repository.saveDeliveries([record]);
      unsaved.delete(keyOf(record));
    } catch (error) {
      if (record.status !== 'pending') unsaved.set(keyOf(record), record);
      options.onError(error, 'could not save a webhook delivery; retrying the write');
    }
  }

  async function finalState(record: DeliveryRecord, nowMillis: number): Promise<DeliveryRecord | undefined> {
    // The cache spares ingest's ClickHouse connection a read per attempt; a webhook it lacks (new, disabled, deleted) is read.
    const webhook = (await options.cachedWebhook?.(record.appId, record.webhookId)) ?? (await options.repository.get(record.appId, record.webhookId));
    const base = { ...record, lastAttemptAtMillis: nowMillis };
    // Deleted (or its app was): the delivery goes with it, and no row is written back for it.
    if (!webhook) return undefined;
    if (!webhook.enabled) return { ...base, status: 'failed', lastError: 'The webhook was disabled', lastStatusCode: 0 };
    let secret: string;
    try {
      secret = options.secretOf(webhook);
    } catch (error) {
      options.onError(error, "a webhook's secret cannot be opened with this master key (XRAY_SECRET_KEY / secret.key)");
      return { ...base, status: 'failed', lastError: 'The signing secret cannot be opened with this collector’s master key', lastStatusCode: 0 };
    }
    const attempts = record.attempts + 1;
    const outcome = await attempt(
      { url: webhook.url, body: record.body, secret, eventId: record.eventId, eventType: record.eventType, attempt: attempts, timeoutMillis: options.timeoutMillis, nowMillis },
      options.policy,
    );
    const done = Date.now();
    options.onAttempt?.(record, outcome);
    if (outcome.ok) {
      return { ...record, status: 'delivered', attempts, lastAttemptAtMillis: nowMillis, lastStatusCode: outcome.statusCode, lastError: '', deliveredAtMillis: done, nextAttemptAtMillis: 0 };
    }
    const next = nextAttemptAt({ attempts, createdAtMillis: record.createdAtMillis }, options.retry, done, options.random);
    return {
      ...record,
      status: next === undefined ? 'failed' : 'pending',
      attempts,
      lastAttemptAtMillis: nowMillis,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      nextAttemptAtMillis: next ?? 0,
    };
  }

  async function send(record: DeliveryRecord): Promise<void> {
    let updated: DeliveryRecord;
    try {
      const state = await finalState(record, Date.now());
      if (!state) {
        forget(record);
        return;
      }
      updated = state;
    } catch (error) {
      // The store did not answer (reading the webhook): try again later, as for a failed attempt.
      options.onError(error, 'a webhook delivery could not be attempted');
      updated = { ...record, nextAttemptAtMillis: Date.now() + options.retry.baseMillis };
    }
    if (erased.delete(keyOf(updated))) {
      forget(updated);
      return;
    }
    if (updated.status === 'pending') {
      queue.set(keyOf(updated), updated);
    } else {
      const key = keyOf(updated);
      finished.add(key);
      if (finished.size > MAX_FINISHED) finished.delete(finished.values().next().value as string);
      forget(updated);
    }
    await save(updated);
  }

  function pump(): void {
    if (!running) return;
    for (const record of [...unsaved.values()]) void save(record);
    const now = Date.now();
    const due = [...queue.values()]
      .filter((record) => record.nextAttemptAtMillis <= now && !inFlight.has(keyOf(record)) && !busyWebhooks.has(webhookKeyOf(record)))
      .sort((a, b) => a.nextAttemptAtMillis - b.nextAttemptAtMillis);
    for (const record of due) {
      if (inFlight.size >= maxConcurrent) break;
      const webhookKey = webhookKeyOf(record);
      if (busyWebhooks.has(webhookKey)) continue;
      const appBusy = busyPerApp.get(record.appId) ?? 0;
      if (appBusy >= maxConcurrentPerApp) continue;
      const key = keyOf(record);
      busyWebhooks.add(webhookKey);
      busyPerApp.set(record.appId, appBusy + 1);
      const appId = record.appId;
      const task = send(record).finally(() => {
        inFlight.delete(key);
        busyWebhooks.delete(webhookKey);
        const left = (busyPerApp.get(appId) ?? 1) - 1;
        if (left <= 0) busyPerApp.delete(appId);
        else busyPerApp.set(appId, left);
        schedule();
      });
      inFlight.set(key, task);
    }
    schedule();
  }

  function schedule(): void {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, record] of queue) {
      if (!inFlight.has(key) && !busyWebhooks.has(webhookKeyOf(record)) && (busyPerApp.get(record.appId) ?? 0) < maxConcurrentPerApp) earliest = Math.min(earliest, record.nextAttemptAtMillis);
    }
    if (unsaved.size > 0) earliest = Math.min(earliest, Date.now() + options.retry.baseMillis);
    if (earliest === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(pump, Math.max(0, Math.min(earliest - Date.now(), 2_147_483_647)));
    timer.unref();
  }

  async function adopt(overdueMillis: number): Promise<void> {
    try {
      const rows = await options.repository.pendingDue(Date.now() - overdueMillis, 10_000);
      for (const row of rows) if (!add(row)) options.onDropped?.(row.appId, row.webhookId, 1);
      pump();
    } catch (error) {
      options.onError(error, 'could not read pending webhook deliveries; the next scan retries');
    }
  }

  return {
    async start() {
      running = true;
      // Due now or later: at start-up every pending row of this store is ours when only this collector uses it.
      await adopt(options.adoptAllOnStart ? -366 * 86_400_000 : options.adoptAfterMillis);
      if (options.adoptIntervalMillis > 0) {
        adoptTimer = setInterval(() => void adopt(options.adoptAfterMillis), options.adoptIntervalMillis);
        adoptTimer.unref();
      }
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (adoptTimer) clearInterval(adoptTimer);
      await Promise.allSettled([...inFlight.values()]);
    },
    async enqueue(records) {
      const accepted: DeliveryRecord[] = [];
      const dropped = new Map<string, DeliveryRecord[]>();
      for (const record of records) {
        if (add(record)) accepted.push(record);
        else dropped.set(webhookKeyOf(record), [...(dropped.get(webhookKeyOf(record)) ?? []), record]);
      }
      for (const list of dropped.values()) options.onDropped?.(list[0].appId, list[0].webhookId, list.length);
      try {
        await options.repository.saveDeliveries(accepted);
      } catch (error) {
        // Not stored, so not promised: forget them rather than send events a restart would not know about.
        for (const record of accepted) forget(record);
        throw error;
      }
      pump();
      return accepted;
    },
    forgetApp(appId) {
      for (const record of [...queue.values()]) {
        if (record.appId !== appId) continue;
        if (inFlight.has(keyOf(record))) erased.add(keyOf(record));
        else forget(record);
      }
      for (const [key, record] of unsaved) if (record.appId === appId) unsaved.delete(key);
    },
    get queued() {
      return queue.size;
    },
  };
}
