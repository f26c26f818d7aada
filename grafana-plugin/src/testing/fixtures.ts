/**
 * Builders of API JSON for unit tests: a step or an execution with sensible
 * defaults, overridable field by field.
 */
import type { ExecutionDetail, ExecutionSummary, Step } from '../api/types';

export const T0_MILLIS = Date.UTC(2025, 0, 15, 12, 0, 0);

export function nanos(millis: number): string {
  return `${Math.round(millis * 1000)}000`;
}

export function makeStep(overrides: Partial<Step> & { spanId: string; startMs?: number }): Step {
  const { startMs = 0, ...rest } = overrides;
  const durationMs = rest.durationMs ?? 10;
  const start = T0_MILLIS + startMs;
  return {
    executionId: 'exec-1',
    parentSpanId: 'root',
    sequence: 0,
    name: `step-${overrides.spanId}`,
    pipeline: 'loan-approval',
    environment: 'prod',
    status: 'completed',
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + durationMs).toISOString(),
    startTimeUnixNano: nanos(start),
    durationMs,
    input: '',
    output: '',
    reasoning: '',
    error: null,
    model: '',
    provider: '',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    attributes: {},
    ...rest,
  };
}

export function makeExecutionSummary(overrides: Partial<ExecutionSummary> = {}): ExecutionSummary {
  const start = overrides.startTime ? Date.parse(overrides.startTime) : T0_MILLIS;
  const durationMs = overrides.durationMs ?? 100;
  return {
    executionId: 'exec-1',
    traceId: 'trace-1',
    pipeline: 'loan-approval',
    environment: 'prod',
    serviceName: 'loans',
    status: 'completed',
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + durationMs).toISOString(),
    startTimeUnixNano: nanos(start),
    durationMs,
    stepCount: 3,
    errorCount: 0,
    droppedSteps: 0,
    errorMessage: '',
    ...overrides,
  };
}

export function makeExecution(overrides: Partial<ExecutionDetail> = {}): ExecutionDetail {
  return {
    ...makeExecutionSummary(overrides),
    rootSpanId: 'root',
    metadata: null,
    finalOutcome: null,
    attributes: {},
    ...overrides,
  };
}
