/**
 * The counters `XRay.stats()` returns. Every drop, truncation and failure the
 * SDK swallows (instead of throwing) is counted here.
 */

/** A snapshot of the client's counters since construction (`pending` is current). */
export interface XRayStats {
  /** `startExecution` calls (including those from `trackExecution`). */
  executionsStarted: number;
  /** Executions ended with `completeExecution` or `failExecution`. */
  executionsCompleted: number;
  /** Executions whose every export call succeeded. */
  executionsExported: number;
  /** Executions never sent: pending cap reached, ended after shutdown, or unbuildable. */
  executionsDropped: number;
  /** Executions whose export failed or timed out. */
  exportFailures: number;
  /** Export calls made (one per HTTP request; more than one for executions split by `maxRequestBytes`). */
  requestsSent: number;
  /** Executions ended but not yet exported. */
  pending: number;
  /** Failures by kind (`XRAY_ERR_AUTH_INVALID_KEY`, `ECONNREFUSED`, `TIMEOUT`, `QUEUE_FULL`, …); each kind is reported once through `onError` and `diag`. */
  exportErrors: Record<string, number>;
  /** Requests sent again after a retryable failure (429/502/503/504, network). */
  exportRetries: number;
  /** Spans the collector accepted the request for but rejected (OTLP partial success). */
  spansRejected: number;
  /** Steps recorded. */
  stepsRecorded: number;
  /** Steps refused (no name, or recorded after the execution ended) or trimmed by `maxStepsPerExecution`. */
  stepsDropped: number;
  /** Attribute values cut to `maxAttributeBytes`. */
  attributesTruncated: number;
  /** Values that could not be rendered as JSON even with the safe fallback. */
  serializationFailures: number;
  /** Second and later `completeExecution` / `failExecution` calls, ignored. */
  duplicateCompletions: number;
}

/** The counters the client owns directly (the export queue owns the rest). */
export interface ClientCounters {
  executionsStarted: number;
  executionsCompleted: number;
  executionsRefused: number;
  stepsRecorded: number;
  stepsDropped: number;
  attributesTruncated: number;
  serializationFailures: number;
  duplicateCompletions: number;
}

export function createClientCounters(): ClientCounters {
  return {
    executionsStarted: 0,
    executionsCompleted: 0,
    executionsRefused: 0,
    stepsRecorded: 0,
    stepsDropped: 0,
    attributesTruncated: 0,
    serializationFailures: 0,
    duplicateCompletions: 0,
  };
}
