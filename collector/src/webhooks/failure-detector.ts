/**
 * Detects failed executions for `execution_failed` conditions. It listens
 * to the insert batcher (like live/live-hub.ts): after each successful
 * insert it looks at the execution rows just stored, never at a request, so
 * detection adds nothing to ingest and sees only stored rows. Batches are
 * handled one after another, off the ingest path; a failure here is logged
 * and costs only these events.
 *
 * Each failed execution makes one event per matching webhook, with an id
 * derived from the webhook and the execution: a re-sent execution (an OTLP
 * retry, another collector) finds its event already created and adds none.
 */
import type { ExecutionRow } from '../contracts/rows.js';
import type { FlushInfo } from '../store/index.js';
import { executionFailedEvent } from './events.js';
import type { FailedExecution } from './events.js';
import type { DeliveryRecord, WebhookRecord } from './webhooks-repository.js';
import { groupBy } from '../group-by.js';

export interface FailureDetectorOptions {
  /** The enabled webhooks of an app (cached). */
  webhooksOf(appId: string): Promise<readonly WebhookRecord[]>;
  /** Names of the failed steps of these executions, in step order. */
  failedSteps(appId: string, executionIds: readonly string[], range: { fromMillis: number; toMillis: number }): Promise<Map<string, string[]>>;
  /** Which of these events exist already. */
  existingEvents(appId: string, eventIds: readonly string[]): Promise<Set<string>>;
  enqueue(records: readonly DeliveryRecord[]): Promise<unknown>;
  publicUrl: string;
  onError(error: unknown): void;
}

export interface FailureDetector {
  /** The batcher's flush listener; returns at once. */
  onFlush(info: FlushInfo): void;
  /** Resolves when every flush seen so far is handled. */
  idle(): Promise<void>;
}

const DAY_MILLIS = 86_400_000;
/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC) -> unix ms. */
const rowMillis = (time: string) => Date.parse(`${time.slice(0, 23).replace(' ', 'T')}Z`);

function matches(webhook: WebhookRecord, execution: FailedExecution): boolean {
  return webhook.conditions.some(
    (condition) =>
      condition.type === 'execution_failed' &&
      (condition.pipeline === undefined || condition.pipeline === execution.pipeline) &&
      (condition.step === undefined || execution.failedSteps.includes(condition.step)),
  );
}

/**
 * @example
 * const detector = createFailureDetector({ webhooksOf, failedSteps, existingEvents, enqueue: worker.enqueue, publicUrl: '', onError });
 * store.batcher.onFlush((info) => detector.onFlush(info));
 */
export function createFailureDetector(options: FailureDetectorOptions): FailureDetector {
  let chain: Promise<void> = Promise.resolve();

  async function handleApp(appId: string, rows: readonly ExecutionRow[]): Promise<void> {
    const webhooks = (await options.webhooksOf(appId)).filter((webhook) => webhook.conditions.some((c) => c.type === 'execution_failed'));
    if (webhooks.length === 0) return;
    const starts = rows.map((row) => rowMillis(row.start_time));
    const ids = [...new Set(rows.map((row) => row.execution_id))];
    const steps = await options.failedSteps(appId, ids, { fromMillis: Math.min(...starts) - DAY_MILLIS, toMillis: Math.max(...starts) + DAY_MILLIS });
    const nowMillis = Date.now();
    const events = new Map<string, DeliveryRecord>();
    for (const row of rows) {
      const execution: FailedExecution = {
        executionId: row.execution_id,
        pipeline: row.pipeline,
        environment: row.environment,
        startMillis: rowMillis(row.start_time),
        durationMs: row.duration_ms,
        errorMessage: row.error_message,
        failedSteps: steps.get(row.execution_id) ?? [],
      };
      for (const webhook of webhooks) {
        if (!matches(webhook, execution)) continue;
        const event = executionFailedEvent({ appId, webhookId: webhook.webhookId, nowMillis, publicUrl: options.publicUrl }, execution);
        events.set(event.eventId, event);
      }
    }
    if (events.size === 0) return;
    const existing = await options.existingEvents(appId, [...events.keys()]);
    const fresh = [...events.values()].filter((event) => !existing.has(event.eventId));
    if (fresh.length > 0) await options.enqueue(fresh);
  }

  async function handle(rows: readonly ExecutionRow[]): Promise<void> {
    const byApp = groupBy(
      rows.filter((row) => row.status === 'failed'),
      (row) => row.app_id,
    );
    for (const [appId, appRows] of byApp) {
      try {
        await handleApp(appId, appRows);
      } catch (error) {
        options.onError(error);
      }
    }
  }

  return {
    onFlush(info) {
      if (!info.executions || !info.executions.some((row) => row.status === 'failed')) return;
      const rows = info.executions;
      chain = chain.then(() => handle(rows)).catch(options.onError);
    },
    idle: () => chain,
  };
}
