/**
 * Threshold alerts (`failure_rate`, `p95_duration`), evaluated on a timer
 * against the stored executions, off the ingest path. For each enabled
 * webhook's condition and pipeline it measures the window that ends now and
 * compares with the threshold:
 *   - at or above it, with at least `minExecutions` in the window, while not
 *     firing, and not within `cooldown` of the last firing: an `alert.firing`
 *     event;
 *   - below it (or too few executions) while firing: `alert.resolved`.
 * Whether an alert is firing is read from its last event in
 * webhook_deliveries, so a restart neither repeats nor forgets an alert, and
 * a transition's event id derives from that last event: several collectors
 * evaluating the same state make one event (the later finds it existing;
 * receivers deduplicate two made at the same instant).
 * One evaluation at a time; a failed one is logged and the next retries.
 */
import { parseDurationSeconds } from '../time/index.js';
import { alertEvent, conditionKey, measuredValue } from './events.js';
import type { AlertMeasurement } from './events.js';
import type { ThresholdCondition } from './webhook-schemas.js';
import type { AlertState, DeliveryRecord, WebhookRecord } from './webhooks-repository.js';

export interface ThresholdEvaluatorOptions {
  /** Every enabled webhook (cached). */
  enabledWebhooks(): Promise<readonly WebhookRecord[]>;
  /** Executions, failures and p95 per pipeline of an app, over [from, to]. */
  measure(appId: string, range: { fromMillis: number; toMillis: number }): Promise<AlertMeasurement[]>;
  alertStates(appId: string, webhookIds: readonly string[]): Promise<AlertState[]>;
  /** Which of these events exist already (made by another collector from the same state). */
  existingEvents(appId: string, eventIds: readonly string[]): Promise<Set<string>>;
  enqueue(records: readonly DeliveryRecord[]): Promise<unknown>;
  /** 0 = never on a timer (tests call evaluate()). */
  intervalMillis: number;
  publicUrl: string;
  onError(error: unknown): void;
}

export interface ThresholdEvaluator {
  start(): void;
  stop(): Promise<void>;
  /** One evaluation now (waits for one in progress first). */
  evaluate(): Promise<void>;
}

const isThreshold = (condition: WebhookRecord['conditions'][number]): condition is ThresholdCondition =>
  condition.type === 'failure_rate' || condition.type === 'p95_duration';

const seconds = (text: string) => parseDurationSeconds(text) ?? 0;

function threshold(condition: ThresholdCondition): number {
  return condition.type === 'failure_rate' ? condition.threshold : condition.thresholdMillis;
}

/**
 * @example
 * const evaluator = createThresholdEvaluator({ enabledWebhooks, measure, alertStates, enqueue, intervalMillis: 30_000, publicUrl: '', onError });
 * evaluator.start();
 */
export function createThresholdEvaluator(options: ThresholdEvaluatorOptions): ThresholdEvaluator {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  async function evaluateApp(appId: string, webhooks: readonly WebhookRecord[], nowMillis: number): Promise<void> {
    const states = new Map<string, AlertState>();
    for (const state of await options.alertStates(appId, webhooks.map((webhook) => webhook.webhookId))) {
      states.set(`${state.webhookId}\u0000${state.conditionKey}\u0000${state.pipeline}`, state);
    }
    const byWindow = new Map<number, Map<string, AlertMeasurement>>();
    const measurementsFor = async (windowSeconds: number) => {
      let found = byWindow.get(windowSeconds);
      if (!found) {
        const list = await options.measure(appId, { fromMillis: nowMillis - windowSeconds * 1000, toMillis: nowMillis });
        byWindow.set(windowSeconds, (found = new Map(list.map((measurement) => [measurement.pipeline, measurement]))));
      }
      return found;
    };
    const events: DeliveryRecord[] = [];
    for (const webhook of webhooks) {
      for (const condition of webhook.conditions.filter(isThreshold)) {
        const key = conditionKey(condition);
        const windowSeconds = seconds(condition.window);
        const measurements = await measurementsFor(windowSeconds);
        const firingPipelines = [...states.values()]
          .filter((state) => state.webhookId === webhook.webhookId && state.conditionKey === key && state.lastType === 'alert.firing')
          .map((state) => state.pipeline);
        const pipelines = condition.pipeline !== undefined ? [condition.pipeline] : [...new Set([...measurements.keys(), ...firingPipelines])];
        for (const pipeline of pipelines) {
          const measurement = measurements.get(pipeline) ?? { pipeline, executions: 0, failed: 0, p95Millis: 0, failedExecutionIds: [] };
          const crossed = measurement.executions >= condition.minExecutions && measuredValue(condition, measurement) >= threshold(condition);
          const state = states.get(`${webhook.webhookId}\u0000${key}\u0000${pipeline}`);
          const firing = state?.lastType === 'alert.firing';
          const base = { appId, webhookId: webhook.webhookId, nowMillis, publicUrl: options.publicUrl };
          if (crossed && !firing && nowMillis - (state?.lastFiredAtMillis ?? 0) >= seconds(condition.cooldown) * 1000) {
            events.push(alertEvent(base, { condition, key, state: 'firing', previousEventId: state?.lastEventId ?? '', windowSeconds, measurement }));
          } else if (!crossed && firing) {
            events.push(alertEvent(base, { condition, key, state: 'resolved', previousEventId: state.lastEventId, windowSeconds, measurement }));
          }
        }
      }
    }
    if (events.length === 0) return;
    const existing = await options.existingEvents(appId, events.map((event) => event.eventId));
    const fresh = events.filter((event) => !existing.has(event.eventId));
    if (fresh.length > 0) await options.enqueue(fresh);
  }

  async function run(): Promise<void> {
    const byApp = new Map<string, WebhookRecord[]>();
    for (const webhook of await options.enabledWebhooks()) {
      if (!webhook.conditions.some(isThreshold)) continue;
      byApp.set(webhook.appId, [...(byApp.get(webhook.appId) ?? []), webhook]);
    }
    const nowMillis = Date.now();
    for (const [appId, webhooks] of byApp) {
      try {
        await evaluateApp(appId, webhooks, nowMillis);
      } catch (error) {
        // One app's failed read costs only that app's alerts this round.
        options.onError(error);
      }
    }
  }

  async function evaluate(): Promise<void> {
    while (current) await current;
    current = run()
      .catch(options.onError)
      .finally(() => {
        current = undefined;
      });
    return current;
  }

  return {
    start() {
      if (options.intervalMillis <= 0 || timer) return;
      timer = setInterval(() => {
        if (!current) void evaluate();
      }, options.intervalMillis);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current;
    },
    evaluate,
  };
}
