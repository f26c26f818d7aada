/**
 * Durations, percentages and timestamps as people read them in a terminal:
 * short, with the unit, and with the precision that matters at that size.
 * Times of day are in time-zone.ts.
 */
import { formatDurationSeconds } from '../../time/index.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const two = (n: number) => String(n).padStart(2, '0');

/**
 * @example
 * formatDuration(0.42);    // '420 µs'
 * formatDuration(4.2);     // '4.2 ms'
 * formatDuration(950);     // '950 ms'
 * formatDuration(1234);    // '1.23 s'
 * formatDuration(75_000);  // '1m 15s'
 * formatDuration(3_780_000); // '1h 03m'
 */
export function formatDuration(millis: number): string {
  if (!Number.isFinite(millis) || millis < 0) return '-';
  if (millis === 0) return '0 ms';
  if (millis < 1) {
    const micros = Math.round(millis * 1000);
    if (micros < 1000) return `${Math.max(1, micros)} µs`;
  }
  // Each branch compares the value as it will be printed, so 999.6 ms becomes "1.00 s", not "1000 ms".
  const tenthsOfMilli = Math.round(millis * 10) / 10;
  if (tenthsOfMilli < 10) return `${tenthsOfMilli.toFixed(1)} ms`;
  const wholeMillis = Math.round(millis);
  if (wholeMillis < SECOND) return `${wholeMillis} ms`;
  const hundredthsOfSecond = Math.round(millis / 10) / 100;
  if (hundredthsOfSecond < 10) return `${hundredthsOfSecond.toFixed(2)} s`;
  const tenthsOfSecond = Math.round(millis / 100) / 10;
  if (tenthsOfSecond < 60) return `${tenthsOfSecond.toFixed(1)} s`;
  // From a minute on, whole units: rounding up a 59.96 s to "1m 00s" reads better than "60.0 s".
  const seconds = Math.round(millis / SECOND);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s`;
  const minutes = Math.round(millis / MINUTE);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h ${two(minutes % 60)}m`;
  const hours = Math.round(millis / HOUR);
  return `${Math.floor(hours / 24)}d ${two(hours % 24)}h`;
}

/**
 * @example
 * formatPercent(0.125); // '12.5%'
 * formatPercent(1);     // '100%'
 */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '-';
  const percent = fraction * 100;
  if (percent === 0 || percent >= 99.95) return `${Math.round(percent)}%`;
  return `${percent.toFixed(1)}%`;
}

/** A bucket width in seconds as the shared duration grammar spells it (`1h`, `1w`). */
export const formatInterval = formatDurationSeconds;
