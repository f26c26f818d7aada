/**
 * When the live tail reconnects after losing its stream: soon after a
 * stream that had been open (a collector restart, a proxy timeout), later
 * and later after attempts that never opened (a wrong URL, too many
 * streams), with jitter so many browsers do not come back at once. Pure.
 */

export interface ReconnectOptions {
  /** The first delay (the collector's SSE `retry:` is 2 s). */
  baseMillis?: number;
  maxMillis?: number;
  /** 0..1, a random number (Math.random in the page, fixed in tests). */
  random: number;
}

/**
 * The delay before reconnect attempt `failures` (1 = the first failure in a row).
 *
 * @example
 * reconnectDelayMillis(1, { random: 0.5 }) // → 2000
 * reconnectDelayMillis(5, { random: 0.5 }) // → 30000 (capped)
 */
export function reconnectDelayMillis(failures: number, options: ReconnectOptions): number {
  const base = options.baseMillis ?? 2000;
  const max = options.maxMillis ?? 30_000;
  const exponential = Math.min(max, base * 2 ** Math.max(0, failures - 1));
  // ±25% jitter around the exponential delay, never past the cap.
  const jittered = exponential * (0.75 + 0.5 * options.random);
  return Math.round(Math.min(max, jittered));
}
