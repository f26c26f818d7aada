/**
 * Alert webhooks, a vertical slice: per-app endpoints with conditions
 * (webhook-routes.ts, under /api/v1, `webhooks` scope), failed executions
 * detected after each insert (failure-detector.ts), failure-rate and p95
 * alerts on a timer (threshold-evaluator.ts), and signed deliveries retried
 * with backoff and resumed after a restart (delivery-worker.ts). app.ts
 * registers the routes, hands the batcher's flushes to `onFlush`, and
 * starts and stops the background parts with the server.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SecretBox } from '../auth/secret-box.js';
import { createAppCache } from '../store/app-cache.js';
import type { ClickHouseBackend, FlushInfo } from '../store/index.js';
import { createAddressPolicy } from './address-policy.js';
import type { RetryPolicy } from './backoff.js';
import { createDeliveryWorker } from './delivery-worker.js';
import type { DeliveryWorker } from './delivery-worker.js';
import { createExecutionSignals } from './execution-signals.js';
import { createFailureDetector } from './failure-detector.js';
import { createThresholdEvaluator } from './threshold-evaluator.js';
import type { ThresholdEvaluator } from './threshold-evaluator.js';
import { webhookRoutes } from './webhook-routes.js';
import type { WebhookRoutesOptions } from './webhook-routes.js';
import { createWebhooksRepository } from './webhooks-repository.js';
import type { WebhookRecord } from './webhooks-repository.js';

export { createAddressPolicy, checkWebhookUrl, isCidr } from './address-policy.js';
export { backoffMillis, nextAttemptAt } from './backoff.js';
export type { RetryPolicy } from './backoff.js';
export { signatureHeader } from './http-delivery.js';

export interface WebhookSettings {
  /** CIDRs deliveries may reach although private or loopback (XRAY_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: readonly string[];
  retry: RetryPolicy;
  /** Longest one attempt may take (XRAY_WEBHOOK_TIMEOUT_MILLIS). */
  timeoutMillis: number;
  /** How often threshold conditions are evaluated (XRAY_WEBHOOK_EVALUATE_MILLIS); 0 = never on a timer. */
  evaluateMillis: number;
  /** Prefix of the links in events (XRAY_PUBLIC_URL); '' gives paths. */
  publicUrl: string;
  maxWebhooksPerApp: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: [],
  retry: { baseMillis: 5_000, maxMillis: 3_600_000, maxAttempts: 12, maxAgeMillis: 86_400_000 },
  timeoutMillis: 10_000,
  evaluateMillis: 30_000,
  publicUrl: '',
  maxWebhooksPerApp: 20,
};

export interface WebhooksOptions {
  backend: ClickHouseBackend;
  box: SecretBox;
  settings: WebhookSettings;
  /** How long the enabled webhooks are trusted (changes through another collector are seen within it). */
  cacheTtlMillis?: number;
  registry: Registry;
  log: FastifyBaseLogger;
}

export interface Webhooks {
  routes: FastifyPluginAsync<WebhookRoutesOptions>;
  routeOptions: WebhookRoutesOptions;
  /** The batcher's flush listener. */
  onFlush(info: FlushInfo): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  worker: DeliveryWorker;
  evaluator: ThresholdEvaluator;
  /** Resolves when every flush seen so far has been looked at. */
  idle(): Promise<void>;
  /** An app is being erased: its webhooks stop firing here at once and its queued deliveries are dropped unsent. */
  forgetApp(appId: string): void;
}

const contextOf = (appId: string, webhookId: string) => `${appId}\u0000webhook\u0000${webhookId}`;

/**
 * @example
 * const webhooks = createWebhooks({ backend: store.backend, box, settings: DEFAULT_WEBHOOK_SETTINGS, registry, log: app.log });
 * store.batcher.onFlush((info) => webhooks.onFlush(info));
 */
export function createWebhooks(options: WebhooksOptions): Webhooks {
  const { settings, log } = options;
  const repository = createWebhooksRepository(options.backend);
  const signals = createExecutionSignals(options.backend);
  const policy = createAddressPolicy(settings.allowPrivate);
  const enabled = createAppCache<Map<string, WebhookRecord[]>>({
    ttlMillis: options.cacheTtlMillis,
    load: async () => {
      const byApp = new Map<string, WebhookRecord[]>();
      for (const webhook of await repository.listEnabled()) byApp.set(webhook.appId, [...(byApp.get(webhook.appId) ?? []), webhook]);
      return byApp;
    },
  });
  const attempts = new Counter({
    name: 'xray_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (ok, http_error, no_answer)',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  const dropped = new Counter({
    name: 'xray_webhook_events_dropped_total',
    help: "Webhook events not queued because their webhook's queue was full",
    registers: [options.registry],
  });
  const adoptAll = options.backend.kind === 'embedded';
  const worker = createDeliveryWorker({
    repository,
    cachedWebhook: async (appId, webhookId) => (await enabled.get('*')).get(appId)?.find((webhook) => webhook.webhookId === webhookId),
    secretOf: (webhook) => options.box.open(webhook.sealedSecret, contextOf(webhook.appId, webhook.webhookId)),
    policy,
    retry: settings.retry,
    timeoutMillis: settings.timeoutMillis,
    adoptAllOnStart: adoptAll,
    // Well past a live collector's next attempt plus its deadline.
    adoptAfterMillis: Math.max(300_000, 2 * settings.timeoutMillis),
    adoptIntervalMillis: adoptAll ? 0 : 60_000,
    onError: (error, message) => log.error({ err: error }, message),
    onAttempt: (_delivery, outcome) => attempts.inc({ outcome: outcome.ok ? 'ok' : outcome.statusCode > 0 ? 'http_error' : 'no_answer' }),
    onDropped: (appId, webhookId, count) => {
      dropped.inc(count);
      log.warn({ appId, webhookId, count }, 'webhook events dropped: the webhook already has as many deliveries waiting as allowed');
    },
  });
  const enqueue = (records: Parameters<DeliveryWorker['enqueue']>[0]) => worker.enqueue(records);
  const detector = createFailureDetector({
    webhooksOf: async (appId) => (await enabled.get('*')).get(appId) ?? [],
    failedSteps: (appId, ids, range) => signals.failedSteps(appId, ids, range),
    existingEvents: (appId, ids) => repository.existingEvents(appId, ids),
    enqueue,
    publicUrl: settings.publicUrl,
    onError: (error) => log.error({ err: error }, 'failed executions could not be checked against webhooks'),
  });
  const evaluator = createThresholdEvaluator({
    enabledWebhooks: async () => [...(await enabled.get('*')).values()].flat(),
    measure: (appId, range) => signals.measure(appId, range),
    alertStates: (appId, ids) => repository.alertStates(appId, ids),
    existingEvents: (appId, ids) => repository.existingEvents(appId, ids),
    enqueue,
    intervalMillis: settings.evaluateMillis,
    publicUrl: settings.publicUrl,
    onError: (error) => log.error({ err: error }, 'webhook threshold conditions could not be evaluated; the next round retries'),
  });

  return {
    routes: webhookRoutes,
    routeOptions: {
      repository,
      policy,
      seal: (appId, webhookId, secret) => options.box.seal(secret, contextOf(appId, webhookId)),
      enqueue,
      onChanged: () => enabled.invalidate('*'),
      maxWebhooksPerApp: settings.maxWebhooksPerApp,
      publicUrl: settings.publicUrl,
    },
    onFlush: (info) => detector.onFlush(info),
    async start() {
      await worker.start();
      evaluator.start();
    },
    async stop() {
      await evaluator.stop();
      await detector.idle();
      await worker.stop();
    },
    worker,
    evaluator,
    idle: () => detector.idle(),
    forgetApp(appId) {
      enabled.invalidate('*');
      worker.forgetApp(appId);
    },
  };
}
