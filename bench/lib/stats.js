/**
 * Small statistics helpers for the benchmarks. Medians rather than means:
 * on a shared 2-core machine one slow round (a GC, a background merge) should
 * not move the reported number.
 */

/**
 * The median of `values` (the mean of the two middle values for an even count).
 *
 * @param {readonly number[]} values
 * @returns {number}
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values) {
  return percentile(values, 50);
}

/**
 * The `p`-th percentile (0..100) of `values`, linearly interpolated.
 *
 * @param {readonly number[]} values
 * @param {number} p
 * @returns {number}
 * @example
 * percentile([1, 2, 3, 4], 50); // 2.5
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** Milliseconds elapsed since `startNanos` (a `process.hrtime.bigint()` reading). */
export function millisSince(startNanos) {
  return Number(process.hrtime.bigint() - startNanos) / 1e6;
}

/**
 * Runs `fn` and returns its result and how long it took, in milliseconds.
 *
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<{ result: T, millis: number }>}
 */
export async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { result, millis: millisSince(start) };
}
