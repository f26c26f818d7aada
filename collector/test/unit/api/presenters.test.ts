import { describe, expect, it } from 'vitest';
import {
  autoIntervalSeconds,
  cappedIntervalSeconds,
  toExecutionDetail,
  toExecutionSummary,
  toStep,
} from '../../../src/api/presenters.js';
import { executionDetail, executionSummary, step } from '../../../src/api/schemas.js';
import type { ExecutionRecord, StepRecord } from '../../../src/store/index.js';

function executionRecord(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    execution_id: 'exec-1',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    root_span_id: 'b7ad6b7169203331',
    pipeline: 'loan-approval',
    environment: 'prod',
    service_name: 'checkout',
    status: 'failed',
    start_ns: '1732233600123456789',
    end_ns: '1732233601623456789',
    duration_ms: 1500,
    step_count: 3,
    error_count: 1,
    dropped_steps: 2,
    error_message: 'boom',
    metadata: '{"user":"u1"}',
    final_outcome: '"approved"',
    attributes: { 'http.method': 'GET' },
    ...overrides,
  };
}

function stepRecord(overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    execution_id: 'exec-1',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'cccccccccccccccc',
    parent_span_id: 'b7ad6b7169203331',
    sequence: 2,
    name: 'score',
    pipeline: 'loan-approval',
    environment: 'prod',
    status: 'completed',
    start_ns: '1732233600000000000',
    end_ns: '1732233600250000000',
    duration_ms: 250,
    input: '{"amount":10}',
    output: 'ok',
    reasoning: 'low risk',
    error_type: '',
    error_message: '',
    error_stack: '',
    model: 'gpt-4o',
    provider: 'openai',
    input_tokens: 10,
    output_tokens: 5,
    cost_usd: 0.01,
    cost_source: 'estimated',
    attributes: { k: 'v' },
    ...overrides,
  };
}

describe('api/presenters', () => {
  describe('toExecutionSummary', () => {
    it('maps a record to the camelCase summary with ISO times and the exact nanosecond start', () => {
      const summary = toExecutionSummary(executionRecord());
      expect(summary).toEqual({
        executionId: 'exec-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        pipeline: 'loan-approval',
        environment: 'prod',
        serviceName: 'checkout',
        status: 'failed',
        startTime: '2024-11-22T00:00:00.123Z',
        endTime: '2024-11-22T00:00:01.623Z',
        startTimeUnixNano: '1732233600123456789',
        durationMs: 1500,
        stepCount: 3,
        errorCount: 1,
        droppedSteps: 2,
        errorMessage: 'boom',
      });
      expect(executionSummary.strict().safeParse(summary).success).toBe(true);
    });
  });

  describe('toExecutionDetail', () => {
    it('adds the root span id, parsed metadata and outcome, and the attributes', () => {
      const detail = toExecutionDetail(executionRecord());
      expect(detail).toMatchObject({
        executionId: 'exec-1',
        rootSpanId: 'b7ad6b7169203331',
        metadata: { user: 'u1' },
        finalOutcome: 'approved',
        attributes: { 'http.method': 'GET' },
      });
      expect(executionDetail.strict().safeParse(detail).success).toBe(true);
    });

    it('gives null metadata and outcome when none were sent', () => {
      expect(toExecutionDetail(executionRecord({ metadata: '', final_outcome: '' }))).toMatchObject({
        metadata: null,
        finalOutcome: null,
      });
    });
  });

  describe('toStep', () => {
    it('maps a record to the camelCase step with ISO times', () => {
      const json = toStep(stepRecord());
      expect(json).toEqual({
        executionId: 'exec-1',
        spanId: 'cccccccccccccccc',
        parentSpanId: 'b7ad6b7169203331',
        sequence: 2,
        name: 'score',
        pipeline: 'loan-approval',
        environment: 'prod',
        status: 'completed',
        startTime: '2024-11-22T00:00:00.000Z',
        endTime: '2024-11-22T00:00:00.250Z',
        startTimeUnixNano: '1732233600000000000',
        durationMs: 250,
        input: '{"amount":10}',
        output: 'ok',
        reasoning: 'low risk',
        error: null,
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 10,
        outputTokens: 5,
        costUsd: 0.01,
        costSource: 'estimated',
        attributes: { k: 'v' },
      });
      expect(step.strict().safeParse(json).success).toBe(true);
    });

    it('gives error null when the step has no error type, message or stack', () => {
      expect(toStep(stepRecord({ status: 'failed' })).error).toBeNull();
    });

    it('gives an error object when any of type, message or stack is set', () => {
      expect(toStep(stepRecord({ error_type: 'TypeError' })).error).toEqual({ type: 'TypeError', message: '', stack: '' });
      expect(toStep(stepRecord({ error_message: 'boom' })).error).toEqual({ type: '', message: 'boom', stack: '' });
      expect(toStep(stepRecord({ error_stack: 'at f()' })).error).toEqual({ type: '', message: '', stack: 'at f()' });
    });
  });

  describe('cappedIntervalSeconds', () => {
    const HOUR = 3_600_000;
    it('keeps the interval asked for when it gives at most 1,000 buckets', () => {
      expect(cappedIntervalSeconds(60, 0, 10 * HOUR)).toBe(60);
      expect(cappedIntervalSeconds(3600, 0, 30 * 24 * HOUR)).toBe(3600);
    });

    it('widens a fine interval over a long window to a readable unit (regression: 1m over 30 days answered 43,200 points per series)', () => {
      expect(cappedIntervalSeconds(60, 0, 30 * 24 * HOUR)).toBe(3600);
      expect(cappedIntervalSeconds(60, 0, 24 * HOUR)).toBe(300);
    });

    it('uses the automatic interval when none is asked for', () => {
      expect(cappedIntervalSeconds(undefined, 0, 24 * HOUR)).toBe(autoIntervalSeconds(0, 24 * HOUR));
    });
  });

  describe('autoIntervalSeconds', () => {
    const HOUR = 3_600_000;

    it('never goes below one minute (the rollup resolution)', () => {
      expect(autoIntervalSeconds(0, 0)).toBe(60);
      expect(autoIntervalSeconds(0, HOUR)).toBe(60);
    });

    it('picks the smallest readable unit giving at most about 60 buckets', () => {
      expect(autoIntervalSeconds(0, 5 * HOUR)).toBe(300);
      expect(autoIntervalSeconds(0, 24 * HOUR)).toBe(1800);
      expect(autoIntervalSeconds(0, 60 * HOUR)).toBe(3600);
      expect(autoIntervalSeconds(0, 60 * HOUR + 1000)).toBe(7200);
      expect(autoIntervalSeconds(0, 30 * 24 * HOUR)).toBe(43200);
    });

    it('caps at one week for very long ranges', () => {
      expect(autoIntervalSeconds(0, 10 * 365 * 24 * HOUR)).toBe(604800);
    });

    it('honours a different target bucket count', () => {
      expect(autoIntervalSeconds(0, 24 * HOUR, 24)).toBe(3600);
    });
  });
});

describe('api/presenters toFailureRateSeries', () => {
  it('groups rollup rows into one series per pipeline with the failure rate of each bucket', async () => {
    const { toFailureRateSeries } = await import('../../../src/api/presenters.js');
    const series = toFailureRateSeries([
      { pipeline: 'a', bucket_ms: '0', executions: '4', failed: '1' },
      { pipeline: 'a', bucket_ms: '60000', executions: '0', failed: '0' },
      { pipeline: 'b', bucket_ms: '0', executions: '2', failed: '2' },
    ]);
    expect(series).toEqual([
      {
        pipeline: 'a',
        points: [
          { time: '1970-01-01T00:00:00.000Z', executions: 4, failed: 1, failureRate: 0.25 },
          { time: '1970-01-01T00:01:00.000Z', executions: 0, failed: 0, failureRate: 0 },
        ],
      },
      { pipeline: 'b', points: [{ time: '1970-01-01T00:00:00.000Z', executions: 2, failed: 2, failureRate: 1 }] },
    ]);
  });

  it('dates a bucket that starts before the window at the window\'s start, in every series', async () => {
    const { toFailureRateSeries } = await import('../../../src/api/presenters.js');
    const rows = ['a', 'b'].flatMap((pipeline) => [
      { pipeline, bucket_ms: '0', executions: '1', failed: '0' },
      { pipeline, bucket_ms: '3600000', executions: '1', failed: '1' },
    ]);
    const series = toFailureRateSeries(rows, 1_800_000);
    for (const { points } of series) {
      expect(points.map((p) => p.time)).toEqual(['1970-01-01T00:30:00.000Z', '1970-01-01T01:00:00.000Z']);
    }
  });
});
