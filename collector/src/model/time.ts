/**
 * Conversions between OTLP's unix-nanosecond times and ClickHouse DateTime64(9).
 * Pure bigint arithmetic: a double cannot hold nanoseconds since 1970 exactly.
 */

const NANOS_PER_MILLI = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

// Spans of one request mostly fall within the same few seconds: formatting
// the date part once per distinct second keeps this off ingest's profile.
let cachedSecond = -1n;
let cachedPrefix = '';

/** `1732233600123456789n` -> `'2024-11-22 00:00:00.123456789'` (UTC). */
export function nanosToDateTime64(nanos: bigint): string {
  const seconds = nanos / NANOS_PER_SECOND;
  if (seconds !== cachedSecond) {
    const iso = new Date(Number(seconds) * 1000).toISOString();
    cachedPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
    cachedSecond = seconds;
  }
  return cachedPrefix + (nanos % NANOS_PER_SECOND).toString().padStart(9, '0');
}

/** `'2024-11-22 00:00:00.123456789'` (UTC, as nanosToDateTime64 writes it) -> `1732233600123456789n`. */
export function dateTime64ToNanos(text: string): bigint {
  const seconds = Date.parse(`${text.slice(0, 10)}T${text.slice(11, 19)}Z`) / 1000;
  const fraction = text.length > 20 ? text.slice(20).padEnd(9, '0') : '0';
  return BigInt(seconds) * NANOS_PER_SECOND + BigInt(fraction);
}

/** Unix nanoseconds (as a decimal string, the way ClickHouse returns Int64) -> ISO 8601 with milliseconds. */
export function nanosToIso(nanos: string | bigint): string {
  const value = typeof nanos === 'bigint' ? nanos : BigInt(nanos);
  return new Date(Number(value / NANOS_PER_MILLI)).toISOString();
}

/** Duration between two unix-nanosecond times in (fractional) milliseconds, never negative. */
export function durationMillis(startNanos: bigint, endNanos: bigint): number {
  if (endNanos <= startNanos) return 0;
  return Number(endNanos - startNanos) / 1e6;
}
