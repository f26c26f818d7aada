/**
 * The SDK's retry loop around one export: an attempt is repeated while its
 * failure is retryable (429/502/503/504, network, timeout), the exporter is
 * open, fewer than `RETRY_DEFAULTS.maxAttempts` were made and the next one
 * can start before `timeoutMillis` runs out. The wait honours `Retry-After`
 * with jitter (retry-policy.ts) and runs on a timer that never keeps the
 * process alive.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { XRayExportError } from './export-error.js';
import { RETRY_DEFAULTS, retryDelayMillis } from './retry-policy.js';

/** What one attempt came to. */
export type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: XRayExportError; readonly retryAfterMillis?: number };

export interface RetryLoopOptions {
  readonly timeoutMillis: number;
  isClosed(): boolean;
  /** Called before each retry (to count it). */
  onRetry(): void;
  /** A timer that must not keep the process alive. */
  setUnrefTimeout(fn: () => void, millis: number): unknown;
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds or may not be retried; never rejects.
 *
 * @example
 * const result = await exportWithRetries((remainingMillis) => sendOnce(body, remainingMillis), options);
 */
export async function exportWithRetries(
  attempt: (remainingMillis: number) => Promise<AttemptOutcome>,
  options: RetryLoopOptions,
): Promise<ExportResult> {
  const deadline = Date.now() + options.timeoutMillis;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(Math.max(1, deadline - Date.now()));
    if (outcome.ok) return { code: ExportResultCode.SUCCESS };
    const failed = { code: ExportResultCode.FAILED, error: outcome.error };
    if (!outcome.error.retryable || options.isClosed() || attemptNumber >= RETRY_DEFAULTS.maxAttempts) return failed;
    const delay = retryDelayMillis(attemptNumber, outcome.retryAfterMillis, options.random ?? Math.random);
    if (Date.now() + delay >= deadline) return failed;
    options.onRetry();
    await new Promise<void>((resolve) => options.setUnrefTimeout(resolve, delay));
  }
}
