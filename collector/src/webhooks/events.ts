/**
 * What a webhook receives: the event bodies (pure functions of what was
 * detected) and their ids. An event id is derived from what the event is
 * about (the webhook and the failed execution, or the alert and the moment
 * it changed state), so detecting the same thing again yields the same id:
 * the collector then creates no second delivery, and a receiver that sees
 * an id twice (a retry after a lost acknowledgement) can drop it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DeliveryRecord } from './webhooks-repository.js';
import type { ThresholdCondition } from './webhook-schemas.js';

export const EVENT_TYPES = ['execution.failed', 'alert.firing', 'alert.resolved', 'webhook.test'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** `evt_` and 32 hex digits of SHA-256 over the parts. */
export function eventId(...parts: readonly string[]): string {
  return `evt_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}

/** A threshold condition's identity: its content, so editing it starts a fresh alert. */
export function conditionKey(condition: ThresholdCondition): string {
  return createHash('sha256').update(JSON.stringify(condition)).digest('hex').slice(0, 16);
}

/** Where to look: the executions list filtered on what the event is about. */
export interface EventFilter {
  pipeline?: string;
  status?: 'failed';
  from: string;
  to: string;
}

function link(publicUrl: string, path: string, filter?: EventFilter): string {
  const query = filter ? `?${new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== undefined) as [string, string][])}` : '';
  return `${publicUrl}${path}${query}`;
}

const iso = (millis: number) => new Date(millis).toISOString();
const MINUTE_MILLIS = 60_000;

export interface FailedExecution {
  executionId: string;
  pipeline: string;
  environment: string;
  startMillis: number;
  durationMs: number;
  errorMessage: string;
  /** The failed steps' names, in order. */
  failedSteps: string[];
}

interface EventBase {
  appId: string;
  webhookId: string;
  nowMillis: number;
  /** Prefix of links (XRAY_PUBLIC_URL); '' gives paths. */
  publicUrl: string;
}

/** A new pending delivery carrying `body`. */
function pending(base: EventBase, event: { id: string; type: EventType; pipeline: string; conditionKey?: string; executionIds: string[]; body: object }): DeliveryRecord {
  return {
    appId: base.appId,
    webhookId: base.webhookId,
    eventId: event.id,
    eventType: event.type,
    pipeline: event.pipeline,
    conditionKey: event.conditionKey ?? '',
    executionIds: event.executionIds,
    body: JSON.stringify(event.body),
    status: 'pending',
    attempts: 0,
    nextAttemptAtMillis: base.nowMillis,
    lastAttemptAtMillis: 0,
    lastStatusCode: 0,
    lastError: '',
    createdAtMillis: base.nowMillis,
    deliveredAtMillis: 0,
  };
}

/**
 * @example
 * executionFailedEvent({ appId, webhookId, nowMillis: Date.now(), publicUrl: '' }, failed).eventId; // 'evt_…' (the same every time)
 */
export function executionFailedEvent(base: EventBase, execution: FailedExecution): DeliveryRecord {
  const id = eventId(base.webhookId, 'execution.failed', execution.executionId);
  const filter: EventFilter = {
    pipeline: execution.pipeline,
    status: 'failed',
    from: iso(execution.startMillis - MINUTE_MILLIS),
    to: iso(execution.startMillis + execution.durationMs + MINUTE_MILLIS),
  };
  return pending(base, {
    id,
    type: 'execution.failed',
    pipeline: execution.pipeline,
    executionIds: [execution.executionId],
    body: {
      id,
      type: 'execution.failed',
      createdAt: iso(base.nowMillis),
      app: base.appId,
      webhookId: base.webhookId,
      pipeline: execution.pipeline,
      executionIds: [execution.executionId],
      execution: {
        id: execution.executionId,
        pipeline: execution.pipeline,
        environment: execution.environment,
        status: 'failed',
        startTime: iso(execution.startMillis),
        durationMs: execution.durationMs,
        errorMessage: execution.errorMessage,
        failedSteps: execution.failedSteps,
      },
      filter,
      links: {
        execution: link(base.publicUrl, `/api/v1/executions/${encodeURIComponent(execution.executionId)}`),
        executions: link(base.publicUrl, '/api/v1/executions', filter),
      },
    },
  });
}

export interface AlertMeasurement {
  pipeline: string;
  executions: number;
  failed: number;
  p95Millis: number;
  /** The failed executions' ids in the window (a few, newest first). */
  failedExecutionIds: string[];
}

/** The measured value a condition compares with its threshold. */
export function measuredValue(condition: ThresholdCondition, measurement: AlertMeasurement): number {
  return condition.type === 'failure_rate' ? measurement.failed / Math.max(measurement.executions, 1) : measurement.p95Millis;
}

/**
 * @example
 * alertEvent(base, { condition, key, state: 'firing', windowSeconds: 900, measurement });
 */
export function alertEvent(
  base: EventBase,
  alert: {
    condition: ThresholdCondition;
    key: string;
    state: 'firing' | 'resolved';
    /** The alert's last event ('' for its first): a transition's id derives from the state it leaves, so collectors evaluating the same state make the same event. */
    previousEventId: string;
    windowSeconds: number;
    measurement: AlertMeasurement;
  },
): DeliveryRecord {
  const type: EventType = alert.state === 'firing' ? 'alert.firing' : 'alert.resolved';
  const { condition, measurement } = alert;
  const id = eventId(base.webhookId, type, alert.key, measurement.pipeline, alert.previousEventId);
  const filter: EventFilter = {
    pipeline: measurement.pipeline,
    ...(condition.type === 'failure_rate' ? { status: 'failed' as const } : {}),
    from: iso(base.nowMillis - alert.windowSeconds * 1000),
    to: iso(base.nowMillis),
  };
  return pending(base, {
    id,
    type,
    pipeline: measurement.pipeline,
    conditionKey: alert.key,
    executionIds: measurement.failedExecutionIds,
    body: {
      id,
      type,
      createdAt: iso(base.nowMillis),
      app: base.appId,
      webhookId: base.webhookId,
      pipeline: measurement.pipeline,
      executionIds: measurement.failedExecutionIds,
      alert: {
        condition,
        metric: condition.type === 'failure_rate' ? 'failure_rate' : 'p95_duration_ms',
        value: measuredValue(condition, measurement),
        threshold: condition.type === 'failure_rate' ? condition.threshold : condition.thresholdMillis,
        executions: measurement.executions,
        failed: measurement.failed,
        window: condition.window,
      },
      filter,
      links: { executions: link(base.publicUrl, '/api/v1/executions', filter) },
    },
  });
}

/** `xray webhooks test`: an event that exists only to be delivered. */
export function testEvent(base: EventBase): DeliveryRecord {
  const id = eventId(base.webhookId, 'webhook.test', randomUUID());
  return pending(base, {
    id,
    type: 'webhook.test',
    pipeline: '',
    executionIds: [],
    body: { id, type: 'webhook.test', createdAt: iso(base.nowMillis), app: base.appId, webhookId: base.webhookId, pipeline: null, executionIds: [] },
  });
}
