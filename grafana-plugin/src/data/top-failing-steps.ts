/**
 * The steps that fail most, from failed step rows: grouped by pipeline and
 * step name, counted, with the latest failure's message and execution.
 */
import type { Step } from '../api/types';

export interface FailingStep {
  pipeline: string;
  name: string;
  failures: number;
  /** Unix milliseconds of the latest failure. */
  lastFailedAt: number;
  lastError: string;
  lastExecutionId: string;
}

export interface TopFailingStepsOptions {
  limit?: number;
  /** Keep only steps of this environment (the steps endpoint cannot filter on it). */
  environment?: string;
}

/**
 * Groups failed steps by (pipeline, name), most failures first.
 *
 * @example
 * toTopFailingSteps(failedSteps, { limit: 5 })[0] // { pipeline: 'loan', name: 'score', failures: 12, ... }
 */
export function toTopFailingSteps(steps: readonly Step[], options: TopFailingStepsOptions = {}): FailingStep[] {
  const groups = new Map<string, FailingStep>();
  for (const step of steps) {
    if (options.environment && step.environment !== options.environment) {
      continue;
    }
    const key = `${step.pipeline}\u0000${step.name}`;
    const failedAt = Date.parse(step.startTime);
    const message = step.error?.message || step.error?.type || step.status;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        pipeline: step.pipeline,
        name: step.name,
        failures: 1,
        lastFailedAt: failedAt,
        lastError: message,
        lastExecutionId: step.executionId,
      });
      continue;
    }
    group.failures += 1;
    if (failedAt > group.lastFailedAt) {
      group.lastFailedAt = failedAt;
      group.lastError = message;
      group.lastExecutionId = step.executionId;
    }
  }
  return [...groups.values()]
    .sort((a, b) => b.failures - a.failures || a.pipeline.localeCompare(b.pipeline) || a.name.localeCompare(b.name))
    .slice(0, options.limit ?? 10);
}
