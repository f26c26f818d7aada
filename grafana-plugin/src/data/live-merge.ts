/**
 * The live tail's rows and the listed ones as one table: executions that
 * arrived on the stream go on top, newest first, each once (an execution
 * re-sent after a reconnect, or listed already, is not repeated), and the
 * arrivals are capped so a busy stream cannot grow the page without bound.
 * Pure.
 */
import type { ExecutionSummary } from '../api/types';

/** Most live arrivals a page keeps (the oldest fall off; the list and the export have the rest). */
export const MAX_LIVE_ROWS = 500;

/**
 * Adds arrivals to the live rows: newest first (by start time), one row per execution (a later
 * event for the same execution replaces the earlier one), at most `max`.
 *
 * @example
 * addArrivals([b], [a, b2]) // → [b2, a] when b2 started after a
 */
export function addArrivals(
  live: readonly ExecutionSummary[],
  arrivals: readonly ExecutionSummary[],
  max = MAX_LIVE_ROWS
): ExecutionSummary[] {
  const byId = new Map<string, ExecutionSummary>();
  for (const row of [...live, ...arrivals]) {
    byId.set(row.executionId, row);
  }
  return [...byId.values()].sort((x, y) => compareNewestFirst(x, y)).slice(0, max);
}

function compareNewestFirst(x: ExecutionSummary, y: ExecutionSummary): number {
  // Nanosecond strings of equal length compare as numbers; fall back to ISO times.
  const a = x.startTimeUnixNano;
  const b = y.startTimeUnixNano;
  if (a && b && a.length === b.length && a !== b) {
    return a < b ? 1 : -1;
  }
  return Date.parse(y.startTime) - Date.parse(x.startTime);
}

/** The table's rows: live arrivals on top, then the listed rows that did not arrive live. */
export function mergeLiveRows(
  live: readonly ExecutionSummary[],
  listed: readonly ExecutionSummary[] | undefined
): ExecutionSummary[] {
  const seen = new Set(live.map((row) => row.executionId));
  return [...live, ...(listed ?? []).filter((row) => !seen.has(row.executionId))];
}
