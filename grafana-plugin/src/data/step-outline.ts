/**
 * A step as the timeline lays it out: everything but its payloads. The
 * collector's outline route sends these as columns (a few MB for 50,000
 * steps); a full Step (from the execution or step routes) reduces to one too.
 */
import type { ExecutionOutlineResponse, Step } from '../api/types';
import { nanosToMillis } from './time';

export interface StepOutline {
  /** Position in the execution's step order: the `offset` of the step pages. */
  position: number;
  spanId: string;
  parentSpanId: string;
  sequence: number;
  name: string;
  status: string;
  /** Unix milliseconds (microsecond precision). */
  startMillis: number;
  durationMs: number;
  /** null when the step recorded no error. */
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * The outline route's columns as one object per step.
 *
 * @example
 * const steps = outlineSteps(await client.getExecutionOutline(id));
 * steps[0].position // 0
 */
export function outlineSteps(response: Pick<ExecutionOutlineResponse, 'startTimeUnixNano' | 'steps'>): StepOutline[] {
  const columns = response.steps;
  const baseMillis = nanosToMillis(response.startTimeUnixNano);
  const steps: StepOutline[] = new Array(columns.spanId.length);
  for (let i = 0; i < steps.length; i++) {
    steps[i] = {
      position: i,
      spanId: columns.spanId[i],
      parentSpanId: columns.parentSpanId[i],
      sequence: columns.sequence[i],
      name: columns.name[i],
      status: columns.status[i],
      startMillis: baseMillis + columns.startOffsetNanos[i] / 1e6,
      durationMs: columns.durationMs[i],
      errorMessage: columns.errorMessage[i],
      inputTokens: columns.inputTokens[i],
      outputTokens: columns.outputTokens[i],
      costUsd: columns.costUsd[i],
    };
  }
  return steps;
}

/** A full step reduced to its outline (`position`: its index in the execution's order). */
export function toStepOutline(step: Step, position: number): StepOutline {
  return {
    position,
    spanId: step.spanId,
    parentSpanId: step.parentSpanId,
    sequence: step.sequence,
    name: step.name,
    status: step.status,
    startMillis: nanosToMillis(step.startTimeUnixNano),
    durationMs: step.durationMs,
    errorMessage: step.error ? step.error.message : null,
    inputTokens: step.inputTokens,
    outputTokens: step.outputTokens,
    costUsd: step.costUsd,
  };
}
