/** Builders for API-shaped executions and steps, for the renderer tests. */
import type { ExecutionDetail, ExecutionResponse, Step } from '../../../src/cli/api-types.js';

/** 2023-11-14T22:13:20.000Z as unix nanoseconds. */
export const T0_NANOS = 1_700_000_000_000_000_000n;

export const nanosAt = (offsetMs: number) => String(T0_NANOS + BigInt(Math.round(offsetMs * 1e6)));
export const isoAt = (offsetMs: number) => new Date(Number(T0_NANOS / 1_000_000n) + offsetMs).toISOString();

export function makeStep(overrides: Partial<Step> & { spanId: string; name: string; offsetMs?: number }): Step {
  const { offsetMs = 0, ...rest } = overrides;
  return {
    executionId: 'exec-1',
    parentSpanId: 'root',
    sequence: 0,
    pipeline: 'loan-approval',
    environment: 'test',
    status: 'completed',
    startTime: isoAt(offsetMs),
    endTime: isoAt(offsetMs + (overrides.durationMs ?? 10)),
    startTimeUnixNano: nanosAt(offsetMs),
    durationMs: 10,
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

export function makeExecution(overrides: Partial<ExecutionDetail> = {}): ExecutionDetail {
  return {
    executionId: 'exec-1',
    traceId: 'trace-1',
    pipeline: 'loan-approval',
    environment: 'test',
    serviceName: 'loans',
    status: 'completed',
    startTime: isoAt(0),
    endTime: isoAt(100),
    startTimeUnixNano: nanosAt(0),
    durationMs: 100,
    stepCount: 0,
    errorCount: 0,
    droppedSteps: 0,
    errorMessage: '',
    rootSpanId: 'root',
    metadata: null,
    finalOutcome: null,
    attributes: {},
    ...overrides,
  };
}

/**
 * A 100 ms execution: `fetch` (0-20), `gather` (20-80) with two parallel
 * children `llm` (25-75) and `fraud` (25-45), then `rules` (80-100), failed.
 */
export function nestedExecution(): ExecutionResponse {
  const steps = [
    makeStep({ spanId: 'a', name: 'fetch', sequence: 0, offsetMs: 0, durationMs: 20, reasoning: 'score 712 puts the applicant in tier B' }),
    makeStep({ spanId: 'b', name: 'gather', sequence: 1, offsetMs: 20, durationMs: 60 }),
    makeStep({ spanId: 'b1', parentSpanId: 'b', name: 'llm', sequence: 2, offsetMs: 25, durationMs: 50 }),
    makeStep({ spanId: 'b2', parentSpanId: 'b', name: 'fraud', sequence: 3, offsetMs: 25, durationMs: 20 }),
    makeStep({
      spanId: 'c',
      name: 'rules',
      sequence: 4,
      offsetMs: 80,
      durationMs: 20,
      status: 'failed',
      error: { type: 'ValueError', message: 'income missing', stack: 'ValueError: income missing\n    at rules (rules.py:12)' },
    }),
  ];
  return { execution: makeExecution({ status: 'failed', stepCount: 5, errorCount: 1, errorMessage: 'rules failed' }), steps };
}
