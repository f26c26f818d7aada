/**
 * Time helpers with no React: nanosecond strings to milliseconds, bucket
 * widths and bucket starts that match the collector's, and readable
 * durations.
 */

/**
 * Converts unix nanoseconds (a decimal string, as the API sends them) to unix
 * milliseconds with microsecond precision, without BigInt.
 *
 * @example
 * nanosToMillis('1700000000123456789') // 1700000000123.4568
 */
export function nanosToMillis(nanos: string): number {
  const digits = nanos.trim();
  if (!/^\d+$/.test(digits)) {
    return Number.NaN;
  }
  if (digits.length <= 6) {
    return Number(digits) / 1e6;
  }
  return Number(digits.slice(0, -6)) + Number(digits.slice(-6)) / 1e6;
}

/** Bucket widths the collector picks from, in seconds (its `autoIntervalSeconds`). */
export const INTERVAL_STEPS_SECONDS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];

/**
 * A bucket width giving about `targetBuckets` buckets over the window, from
 * the same steps the collector uses, so that client-side buckets line up with
 * the failure-rate endpoint's.
 *
 * @example
 * chooseIntervalSeconds({ fromMillis: 0, toMillis: 86_400_000 }) // 1800
 */
export function chooseIntervalSeconds(window: { fromMillis: number; toMillis: number }, targetBuckets = 60): number {
  // Whole seconds: "now-1h" to "now" resolves "now" twice and can span 3600.001 s, which must not
  // tip the choice into the next step.
  const spanSeconds = Math.round((window.toMillis - window.fromMillis) / 1000);
  const raw = Math.max(60, spanSeconds / targetBuckets);
  return INTERVAL_STEPS_SECONDS.find((candidate) => candidate >= raw) ?? 604800;
}

/**
 * Start of the bucket holding `millis`, aligned like ClickHouse's
 * `toStartOfInterval(t, INTERVAL n SECOND)` (multiples of n since the epoch).
 */
export function bucketStart(millis: number, intervalSeconds: number): number {
  const width = intervalSeconds * 1000;
  return Math.floor(millis / width) * width;
}

/** Every bucket start from the bucket holding `fromMillis` up to (excluding) `toMillis`. */
export function bucketStarts(window: { fromMillis: number; toMillis: number }, intervalSeconds: number): number[] {
  const width = intervalSeconds * 1000;
  const starts: number[] = [];
  for (let start = bucketStart(window.fromMillis, intervalSeconds); start < window.toMillis; start += width) {
    starts.push(start);
  }
  return starts;
}

/**
 * A duration for people: `0.42 ms`, `850 ms`, `1.24 s`, `2m 3s`, `1h 5m`.
 *
 * @example
 * formatDurationMs(1240) // '1.24 s'
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) {
    return '–';
  }
  if (ms < 1) {
    return `${ms.toFixed(2)} ms`;
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(2)} s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m ${totalSeconds % 60}s`;
  }
  return `${Math.floor(totalSeconds / 3600)}h ${Math.floor((totalSeconds % 3600) / 60)}m`;
}
