/**
 * Time conversions. Steps are timed with `performance.now()` (monotonic, sub-
 * millisecond, cheap) and placed on the wall clock through one anchor taken
 * when the execution starts, so a clock jump mid-execution cannot reorder steps.
 */

/** A point in time as users give it: a `Date` or epoch milliseconds. */
export type TimeInput = Date | number;

/** A wall-clock reading paired with the monotonic clock at the same instant. */
export interface ClockAnchor {
  readonly epochMillis: number;
  readonly perfMillis: number;
}

/** Reads both clocks now. */
export function createClockAnchor(): ClockAnchor {
  return { epochMillis: Date.now(), perfMillis: performance.now() };
}

/** Converts a `performance.now()` reading to epoch milliseconds through `anchor`. */
export function perfToEpochMillis(anchor: ClockAnchor, perfMillis: number): number {
  return anchor.epochMillis + (perfMillis - anchor.perfMillis);
}

/** Epoch milliseconds from a user-supplied time, or `undefined` if it is not a usable time. */
export function toEpochMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (value instanceof Date) {
    const millis = value.getTime();
    return Number.isFinite(millis) ? millis : undefined;
  }
  return undefined;
}

/** A non-negative finite duration in milliseconds, or `undefined`. */
export function toDurationMillis(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
