/**
 * What `flush()` and `shutdown()` resolve with. They never reject: a caller
 * shutting down wants to know what happened, not to handle an exception.
 */

/** Options for `flush()` and `shutdown()`. */
export interface FlushOptions {
  /** Give up waiting after this long; defaults to the client's `timeoutMillis`. */
  timeoutMillis?: number;
}

/** Outcome of waiting for pending exports. Counts cover the time the call was waiting. */
export interface FlushReport {
  /** Executions (or processor batches) exported successfully. */
  sent: number;
  /** Executions (or spans, for the span processor) dropped because of a cap or a shutdown. */
  dropped: number;
  /** Executions (or batches) whose export failed. */
  failed: number;
  /** `true` if the timeout passed before everything pending had settled. */
  timedOut: boolean;
  /** Executions (or batches) still waiting or in flight when the call returned; 0 unless `timedOut`. */
  pending: number;
}

/** Counter values a report is the difference of. */
export interface ReportCounters {
  sent: number;
  dropped: number;
  failed: number;
  pending: number;
}

/** The report for the interval between `before` and `after`. */
export function createFlushReport(before: ReportCounters, after: ReportCounters, timedOut: boolean): FlushReport {
  return {
    sent: after.sent - before.sent,
    dropped: after.dropped - before.dropped,
    failed: after.failed - before.failed,
    timedOut,
    pending: after.pending,
  };
}

/**
 * The shared body of `flush()` for the client and the processor: start what
 * is ready, wait for the queue (bounded), report the difference. Never rejects.
 */
export async function flushAndReport(
  counters: () => ReportCounters,
  start: () => void,
  whenIdle: (timeoutMillis: number) => Promise<boolean>,
  timeoutMillis: number,
  onError: (error: unknown) => void,
): Promise<FlushReport> {
  const before = counters();
  try {
    start();
    const idle = await whenIdle(timeoutMillis);
    return createFlushReport(before, counters(), !idle);
  } catch (error) {
    onError(error);
    return createFlushReport(before, counters(), true);
  }
}
