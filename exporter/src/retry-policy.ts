/**
 * When to try an export again. OTLP/HTTP says 429, 502, 503 and 504 may be
 * retried, after `Retry-After` when the server sends it. Every delay gets
 * random jitter, so exports the collector refused together do not all come
 * back in the same millisecond; a `Retry-After` delay is only ever lengthened
 * (by up to half), never shortened.
 */

export const RETRY_DEFAULTS = {
  maxAttempts: 5,
  initialBackoffMillis: 1000,
  maxBackoffMillis: 5000,
  backoffMultiplier: 1.5,
  /** Backoff without Retry-After varies by ±20 %. */
  backoffJitter: 0.2,
  /** Retry-After is stretched by 0 to 50 %. */
  retryAfterJitter: 0.5,
} as const;

/** Statuses OTLP/HTTP allows a client to retry. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function parseRetryAfterMillis(header: string | undefined, nowMillis: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis);
}

/**
 * The wait before retry number `retry` (1 for the first retry).
 *
 * @example
 * retryDelayMillis(1, 2000, Math.random); // 2000..3000 when the server said Retry-After: 2
 * retryDelayMillis(2, undefined, Math.random); // 1200..1800
 */
export function retryDelayMillis(retry: number, retryAfterMillis: number | undefined, random: () => number): number {
  if (retryAfterMillis !== undefined) return retryAfterMillis * (1 + random() * RETRY_DEFAULTS.retryAfterJitter);
  const base = Math.min(
    RETRY_DEFAULTS.initialBackoffMillis * RETRY_DEFAULTS.backoffMultiplier ** (retry - 1),
    RETRY_DEFAULTS.maxBackoffMillis,
  );
  return base * (1 + (random() * 2 - 1) * RETRY_DEFAULTS.backoffJitter);
}
