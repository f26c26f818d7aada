/**
 * The steps that fail most: the collector counts them (`GET
 * /stats/top-failing-steps`, from its hourly step rollup); the plugin adds
 * each one's latest failure (`GET /steps?status=failed&limit=1`) for the
 * error message and a link to that execution.
 */
import type { Step, TimeWindow, TopFailingStep } from '../api/types';
import { bucketStart } from './time';

const HOUR_SECONDS = 3600;

export interface LatestFailure {
  executionId: string;
  /** Unix milliseconds. */
  at: number;
  /** The error message, else its type, else the step status. */
  error: string;
}

export interface FailingStep extends TopFailingStep {
  /** null when the latest failure could not be found (e.g. its rows have expired). */
  latest: LatestFailure | null;
}

/**
 * The time the hourly rollup counts for `window`: whole UTC hours, from the
 * hour holding `from` to the end of the hour holding the last instant before
 * `to` (the collector reads every bucket that starts before `to`). Search
 * the latest failure over this window so that it agrees with the counts.
 *
 * @example
 * hourlyRollupWindow({ fromMillis: Date.parse('2025-01-01T10:20Z'), toMillis: Date.parse('2025-01-01T11:20Z') })
 * // 10:00 to 12:00
 */
export function hourlyRollupWindow(window: TimeWindow): TimeWindow {
  const hour = HOUR_SECONDS * 1000;
  return {
    fromMillis: bucketStart(window.fromMillis, HOUR_SECONDS),
    toMillis: Math.ceil(window.toMillis / hour) * hour,
  };
}

const stepKey = (step: { pipeline: string; name: string }) => `${step.pipeline}\u0000${step.name}`;

/** What the table shows of a failed step. */
export function toLatestFailure(step: Step): LatestFailure {
  return {
    executionId: step.executionId,
    at: Date.parse(step.startTime),
    error: step.error?.message || step.error?.type || step.status,
  };
}

/**
 * The collector's counts, in its order, each with the newest of `failedSteps`
 * of the same pipeline and name (null when there is none).
 *
 * @example
 * withLatestFailures(response.steps, latestSteps)[0].latest?.error // 'credit score 512 below threshold 600'
 */
export function withLatestFailures(counts: readonly TopFailingStep[], failedSteps: readonly Step[]): FailingStep[] {
  const latest = new Map<string, LatestFailure>();
  for (const step of failedSteps) {
    const failure = toLatestFailure(step);
    const key = stepKey(step);
    const known = latest.get(key);
    if (!known || failure.at > known.at) {
      latest.set(key, failure);
    }
  }
  return counts.map((count) => ({ ...count, latest: latest.get(stepKey(count)) ?? null }));
}
