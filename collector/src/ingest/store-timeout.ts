/**
 * The store did not confirm a write within XRAY_STORE_TIMEOUT_MILLIS. The
 * request is answered 503 (retryable) and not acknowledged; its rows stay
 * queued in the insert batcher and may still be written later.
 */
export class StoreTimeoutError extends Error {
  constructor(readonly timeoutMillis: number) {
    super(`ClickHouse did not confirm the write within ${timeoutMillis} ms; nothing was acknowledged, retry later`);
    this.name = 'StoreTimeoutError';
  }
}
