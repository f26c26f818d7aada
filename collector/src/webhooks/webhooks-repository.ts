/**
 * The webhook tables' SQL (migration 0110): endpoints in `webhooks`, one
 * version per change, and their events' delivery state in
 * `webhook_deliveries`, one version per attempt. Every read of an app's
 * rows filters on its app id; every value is a bound parameter.
 */
import { nextVersion } from '../store/apps.js';
import type { ClickHouseBackend } from '../store/index.js';
import type { Condition } from './webhook-schemas.js';

export interface WebhookRecord {
  appId: string;
  webhookId: string;
  url: string;
  description: string;
  conditions: Condition[];
  secretPrefix: string;
  /** The signing secret, sealed with the master key (auth/secret-box.ts). */
  sealedSecret: string;
  enabled: boolean;
  createdAtMillis: number;
  updatedAtMillis: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  appId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  pipeline: string;
  /** The threshold condition's key for alert events; '' otherwise. */
  conditionKey: string;
  executionIds: string[];
  /** The JSON body every attempt sends. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAtMillis: number;
  lastAttemptAtMillis: number;
  /** 0 when the last attempt got no HTTP answer (or there was none yet). */
  lastStatusCode: number;
  lastError: string;
  createdAtMillis: number;
  deliveredAtMillis: number;
}

/** The last alert event of one (webhook, condition, pipeline). */
export interface AlertState {
  webhookId: string;
  conditionKey: string;
  pipeline: string;
  lastType: string;
  /** The id of that last event: the next transition's id derives from it. */
  lastEventId: string;
  lastFiredAtMillis: number;
}

export interface WebhooksRepository {
  save(record: WebhookRecord): Promise<void>;
  remove(record: WebhookRecord): Promise<void>;
  get(appId: string, webhookId: string): Promise<WebhookRecord | undefined>;
  list(appId: string): Promise<WebhookRecord[]>;
  /** Enabled webhooks of every app (a small table), for the detectors. */
  listEnabled(): Promise<WebhookRecord[]>;
  saveDeliveries(records: readonly DeliveryRecord[]): Promise<void>;
  listDeliveries(appId: string, webhookId: string, options: { status?: DeliveryStatus; limit: number }): Promise<DeliveryRecord[]>;
  /** Which of these events already have a delivery (of any status). */
  existingEvents(appId: string, eventIds: readonly string[]): Promise<Set<string>>;
  /** Pending deliveries due before `dueBeforeMillis`, of every app, oldest first. */
  pendingDue(dueBeforeMillis: number, limit: number): Promise<DeliveryRecord[]>;
  /** The last alert event per (webhook, condition, pipeline) of these webhooks. */
  alertStates(appId: string, webhookIds: readonly string[]): Promise<AlertState[]>;
}

/** `YYYY-MM-DD hh:mm:ss.mmm` (UTC), as DateTime64(3) parses it. */
const toDateTime = (millis: number) => new Date(millis).toISOString().replace('T', ' ').replace('Z', '');

interface WebhookRow {
  app_id: string;
  webhook_id: string;
  url: string;
  description: string;
  conditions: string;
  secret_prefix: string;
  sealed_secret: string;
  enabled: number;
  created_ms: string;
  updated_ms: string;
}

// Times are read as unix-ms text under names of their own: an alias equal to its column would shadow it in WHERE and ORDER BY.
const WEBHOOK_COLUMNS = `app_id, webhook_id, url, description, conditions, secret_prefix, sealed_secret, enabled,
  toString(toUnixTimestamp64Milli(created_at)) AS created_ms, toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms`;

function toWebhook(row: WebhookRow): WebhookRecord {
  return {
    appId: row.app_id,
    webhookId: row.webhook_id,
    url: row.url,
    description: row.description,
    conditions: JSON.parse(row.conditions) as Condition[],
    secretPrefix: row.secret_prefix,
    sealedSecret: row.sealed_secret,
    enabled: Number(row.enabled) === 1,
    createdAtMillis: Number(row.created_ms),
    updatedAtMillis: Number(row.updated_ms),
  };
}

function webhookRow(record: WebhookRecord, deleted: boolean) {
  return {
    app_id: record.appId,
    webhook_id: record.webhookId,
    url: record.url,
    description: record.description,
    conditions: JSON.stringify(record.conditions),
    secret_prefix: record.secretPrefix,
    sealed_secret: record.sealedSecret,
    enabled: record.enabled ? 1 : 0,
    deleted: deleted ? 1 : 0,
    created_at: toDateTime(record.createdAtMillis),
    updated_at: toDateTime(record.updatedAtMillis),
    version: nextVersion(),
  };
}

interface DeliveryRow {
  app_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  pipeline: string;
  condition_key: string;
  execution_ids: string[];
  body: string;
  status: string;
  attempts: number;
  next_attempt_ms: string;
  last_attempt_ms: string;
  last_status_code: number;
  last_error: string;
  created_ms: string;
  delivered_ms: string;
}

const DELIVERY_COLUMNS = `app_id, webhook_id, event_id, event_type, pipeline, condition_key, execution_ids, body, status, attempts,
  toString(toUnixTimestamp64Milli(next_attempt_at)) AS next_attempt_ms, toString(toUnixTimestamp64Milli(last_attempt_at)) AS last_attempt_ms,
  last_status_code, last_error, toString(toUnixTimestamp64Milli(created_at)) AS created_ms, toString(toUnixTimestamp64Milli(delivered_at)) AS delivered_ms`;

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    appId: row.app_id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    pipeline: row.pipeline,
    conditionKey: row.condition_key,
    executionIds: row.execution_ids,
    body: row.body,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAtMillis: Number(row.next_attempt_ms),
    lastAttemptAtMillis: Number(row.last_attempt_ms),
    lastStatusCode: Number(row.last_status_code),
    lastError: row.last_error,
    createdAtMillis: Number(row.created_ms),
    deliveredAtMillis: Number(row.delivered_ms),
  };
}

function deliveryRow(record: DeliveryRecord) {
  return {
    app_id: record.appId,
    webhook_id: record.webhookId,
    event_id: record.eventId,
    event_type: record.eventType,
    pipeline: record.pipeline,
    condition_key: record.conditionKey,
    execution_ids: record.executionIds,
    body: record.body,
    status: record.status,
    attempts: record.attempts,
    next_attempt_at: toDateTime(record.nextAttemptAtMillis),
    last_attempt_at: toDateTime(record.lastAttemptAtMillis),
    last_status_code: record.lastStatusCode,
    last_error: record.lastError,
    created_at: toDateTime(record.createdAtMillis),
    delivered_at: toDateTime(record.deliveredAtMillis),
    version: nextVersion(),
  };
}

/**
 * @example
 * const webhooks = createWebhooksRepository(store.backend);
 * await webhooks.list('checkout');
 */
export function createWebhooksRepository(backend: ClickHouseBackend): WebhooksRepository {
  return {
    async save(record) {
      await backend.insert('webhooks', [webhookRow(record, false)]);
    },
    async remove(record) {
      await backend.insert('webhooks', [webhookRow(record, true)]);
    },
    async get(appId, webhookId) {
      const rows = await backend.query<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks FINAL
         WHERE app_id = {appId:String} AND webhook_id = {webhookId:String} AND deleted = 0`,
        { appId, webhookId },
      );
      return rows[0] && toWebhook(rows[0]);
    },
    async list(appId) {
      const rows = await backend.query<WebhookRow>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks FINAL WHERE app_id = {appId:String} AND deleted = 0 ORDER BY created_at, webhook_id`,
        { appId },
      );
      return rows.map(toWebhook);
    },
    async listEnabled() {
      const rows = await backend.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks FINAL WHERE deleted = 0 AND enabled = 1`);
      return rows.map(toWebhook);
    },
    async saveDeliveries(records) {
      if (records.length > 0) await backend.insert('webhook_deliveries', records.map(deliveryRow));
    },
    async listDeliveries(appId, webhookId, { status, limit }) {
      const rows = await backend.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries FINAL
         WHERE app_id = {appId:String} AND webhook_id = {webhookId:String} ${status ? 'AND status = {status:String}' : ''}
         ORDER BY created_at DESC, event_id DESC LIMIT {limit:UInt32}`,
        { appId, webhookId, limit, ...(status ? { status } : {}) },
      );
      return rows.map(toDelivery);
    },
    async existingEvents(appId, eventIds) {
      if (eventIds.length === 0) return new Set();
      const rows = await backend.query<{ event_id: string }>(
        `SELECT DISTINCT event_id FROM webhook_deliveries WHERE app_id = {appId:String} AND event_id IN {eventIds:Array(String)}`,
        { appId, eventIds },
      );
      return new Set(rows.map((row) => row.event_id));
    },
    async pendingDue(dueBeforeMillis, limit) {
      const rows = await backend.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries FINAL
         WHERE status = 'pending' AND next_attempt_at < fromUnixTimestamp64Milli({due:Int64}, 'UTC')
         ORDER BY next_attempt_at LIMIT {limit:UInt32}`,
        { due: dueBeforeMillis, limit },
      );
      return rows.map(toDelivery);
    },
    async alertStates(appId, webhookIds) {
      if (webhookIds.length === 0) return [];
      const rows = await backend.query<{ webhook_id: string; condition_key: string; pipeline: string; last_type: string; last_id: string; fired: string }>(
        `SELECT webhook_id, condition_key, pipeline, argMax(event_type, (created_at, event_id)) AS last_type, argMax(event_id, (created_at, event_id)) AS last_id,
           toString(toUnixTimestamp64Milli(maxIf(created_at, event_type = 'alert.firing'))) AS fired
         FROM webhook_deliveries FINAL
         WHERE app_id = {appId:String} AND webhook_id IN {webhookIds:Array(String)} AND condition_key != ''
         GROUP BY webhook_id, condition_key, pipeline`,
        { appId, webhookIds },
      );
      return rows.map((row) => ({
        webhookId: row.webhook_id,
        conditionKey: row.condition_key,
        pipeline: row.pipeline,
        lastType: row.last_type,
        lastEventId: row.last_id,
        lastFiredAtMillis: Number(row.fired),
      }));
    },
  };
}
