/**
 * Builders of API JSON for unit tests: a step or an execution with sensible
 * defaults, overridable field by field.
 */
import type { CollectorClient } from '../api/client';
import type { ExecutionDetail, ExecutionSummary, Score, Step } from '../api/types';

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

/**
 * The collector's step routes over a list of steps, as the collector answers
 * them: the outline (columns, in sequence order), pages with previews, one
 * step, and the whole execution.
 */
export function stepRoutesOver(
  execution: ExecutionDetail | null,
  steps: Step[]
): Pick<CollectorClient, 'getExecution' | 'getExecutionOutline' | 'getStepPage' | 'getStep'> {
  const ordered = [...steps].sort(
    (a, b) => a.sequence - b.sequence || a.startTimeUnixNano.localeCompare(b.startTimeUnixNano)
  );
  const base = ordered.reduce(
    (min, step) => (BigInt(step.startTimeUnixNano) < min ? BigInt(step.startTimeUnixNano) : min),
    ordered.length ? BigInt(ordered[0].startTimeUnixNano) : BigInt(0)
  );
  const outlineOf = (kept: Step[], total: number) => {
    const column = <K extends keyof Step>(key: K) => kept.map((step) => step[key]);
    return {
      execution,
      total,
      startTimeUnixNano: String(base),
      steps: {
        spanId: column('spanId'),
        parentSpanId: column('parentSpanId'),
        sequence: column('sequence'),
        name: column('name'),
        status: column('status'),
        startOffsetNanos: kept.map((step) => Number(BigInt(step.startTimeUnixNano) - base)),
        durationMs: column('durationMs'),
        errorMessage: kept.map((step) => (step.error ? step.error.message : null)),
        inputTokens: column('inputTokens'),
        outputTokens: column('outputTokens'),
        costUsd: column('costUsd'),
      },
    };
  };
  return {
    getExecution: async () => ({ execution, steps }),
    getExecutionOutline: async (_id, limit = 100_000) => {
      const kept = ordered.slice(0, limit);
      return outlineOf(kept, ordered.length);
    },
    getStepPage: async (_id, { offset, limit, preview }) => {
      const page = ordered.slice(offset, offset + limit);
      return {
        steps: page.map((step) => ({
          ...step,
          input: [...step.input].slice(0, preview).join(''),
          output: [...step.output].slice(0, preview).join(''),
          inputLength: [...step.input].length,
          outputLength: [...step.output].length,
        })),
        total: ordered.length,
        nextOffset: offset + page.length < ordered.length ? offset + page.length : null,
      };
    },
    getStep: async (_id, spanId) => {
      const step = steps.find((candidate) => candidate.spanId === spanId);
      if (!step) {
        throw new Error(`no step ${spanId}`);
      }
      return { step };
    },
  };
}

/** A score of execution `exec-1` in pipeline `loan`, its kind read from the value's type. */
export function makeScore(name: string, value: Score['value'], time: string, extra: Partial<Score> = {}): Score {
  return {
    scoreId: `${name}-${time}`,
    executionId: 'exec-1',
    stepSpanId: null,
    name,
    kind: typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'numeric' : 'categorical',
    value,
    comment: '',
    author: '',
    pipeline: 'loan',
    time,
    ...extra,
  };
}
