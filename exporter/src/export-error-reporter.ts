/**
 * Failures speak once: the first failure of each kind goes to OTel `diag`
 * (warn) and to the user's `onError`; every failure is counted by kind for
 * `stats()`. Later failures of a kind already reported stay at debug level,
 * so an outage does not flood the log.
 */
import { log } from './log.js';
import { XRayExportError } from './export-error.js';

/** Called with each kind of failure the first time it happens. Must not throw (if it does, it is ignored). */
export type ErrorHandler = (error: XRayExportError) => void;

export interface ExportErrorReporter {
  report(error: unknown): void;
  /** Failures so far, by kind. */
  counts(): Record<string, number>;
}

/**
 * A reporter that calls `onError` and `diag` once per kind.
 *
 * @example
 * const reporter = createExportErrorReporter((error) => alert(error.kind));
 * reporter.report(new XRayExportError({ kind: 'TIMEOUT', retryable: true, message: 'no answer' }));
 */
export function createExportErrorReporter(onError: ErrorHandler | undefined): ExportErrorReporter {
  const byKind = new Map<string, number>();
  return {
    report(error: unknown): void {
      const failure = toExportError(error);
      const seen = byKind.get(failure.kind) ?? 0;
      byKind.set(failure.kind, seen + 1);
      if (seen > 0) {
        log.debug('export failed again', failure.message);
        return;
      }
      log.warn('export failed', failure.message);
      try {
        onError?.(failure);
      } catch {
        // A user's hook must not break exporting.
      }
    },
    counts: () => Object.fromEntries(byKind),
  };
}

/** Any exporter error as an XRayExportError (a custom exporter's errors become `EXPORT_FAILED`). */
export function toExportError(error: unknown): XRayExportError {
  if (error instanceof XRayExportError) return error;
  const message = error instanceof Error ? error.message : String(error ?? 'export failed');
  return new XRayExportError({
    kind: 'EXPORT_FAILED',
    retryable: false,
    message,
    hint: 'the exporter reported a failure; see its message',
  });
}
