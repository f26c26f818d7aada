/**
 * Store records -> the API's JSON shapes (camelCase, ISO times, parsed JSON
 * for metadata and outcome). Pure functions, unit-tested.
 */
import { parseJsonText } from '@xray/sdk/json-diff';
import type { z } from 'zod';
import { nanosToIso } from '../model/time.js';
import type { ExecutionRecord, ExecutionSummaryRecord, FailureRatePoint, StepRecord } from '../store/index.js';
import type { executionDetail, executionSummary, step } from './schemas.js';

export function toExecutionSummary(record: ExecutionSummaryRecord): z.infer<typeof executionSummary> {
  return {
    executionId: record.execution_id,
    traceId: record.trace_id,
    pipeline: record.pipeline,
    environment: record.environment,
    serviceName: record.service_name,
    status: record.status,
    startTime: nanosToIso(record.start_ns),
    endTime: nanosToIso(record.end_ns),
    startTimeUnixNano: record.start_ns,
    durationMs: record.duration_ms,
    stepCount: record.step_count,
    errorCount: record.error_count,
    droppedSteps: record.dropped_steps,
    errorMessage: record.error_message,
    ...(record.usage ?? {}),
  };
}

export function toExecutionDetail(record: ExecutionRecord): z.infer<typeof executionDetail> {
  return {
    ...toExecutionSummary(record),
    rootSpanId: record.root_span_id,
    metadata: parseJsonText(record.metadata),
    finalOutcome: parseJsonText(record.final_outcome),
    attributes: record.attributes,
  };
}

export function toStep(record: StepRecord): z.infer<typeof step> {
  const failed = record.error_message !== '' || record.error_type !== '' || record.error_stack !== '';
  return {
    executionId: record.execution_id,
    spanId: record.span_id,
    parentSpanId: record.parent_span_id,
    sequence: record.sequence,
    name: record.name,
    pipeline: record.pipeline,
    environment: record.environment,
    status: record.status,
    startTime: nanosToIso(record.start_ns),
    endTime: nanosToIso(record.end_ns),
    startTimeUnixNano: record.start_ns,
    durationMs: record.duration_ms,
    input: record.input,
    output: record.output,
    reasoning: record.reasoning,
    error: failed ? { type: record.error_type, message: record.error_message, stack: record.error_stack } : null,
    model: record.model,
    provider: record.provider,
    inputTokens: record.input_tokens,
    outputTokens: record.output_tokens,
    costUsd: record.cost_usd,
    costSource: toCostSource(record.cost_source),
    attributes: record.attributes,
  };
}

const COST_SOURCES = new Set(['reported', 'estimated', '']);

/** A stored cost_source as the API names it (a value this version does not know reads as reported). */
function toCostSource(stored: string | undefined): 'reported' | 'estimated' | '' {
  if (stored === undefined) return '';
  return (COST_SOURCES.has(stored) ? stored : 'reported') as 'reported' | 'estimated' | '';
}

/**
 * A ClickHouse DateTime text in UTC (`2024-05-01 12:00:00`, maybe with a
 * fraction) as ISO 8601, like every other time the API answers with.
 *
 * @example
 * clickhouseTimeToIso('2024-05-01 12:00:00'); // '2024-05-01T12:00:00.000Z'
 */
export function clickhouseTimeToIso(text: string): string {
  const millis = Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  return Number.isNaN(millis) ? text : new Date(millis).toISOString();
}

/** An app or key record with its `createdAt` in ISO 8601. */
export function withIsoCreatedAt<T extends { createdAt: string }>(record: T): T {
  return { ...record, createdAt: clickhouseTimeToIso(record.createdAt) };
}

/** A bucket width giving about `targetBuckets` buckets over the range, rounded to a readable unit. */
export function autoIntervalSeconds(fromMillis: number, toMillis: number, targetBuckets = 60): number {
  const raw = Math.max(60, (toMillis - fromMillis) / 1000 / targetBuckets);
  const steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];
  return steps.find((candidate) => candidate >= raw) ?? 604800;
}

/** Most buckets a time series answers with: a finer interval asked for a long window is widened to this. */
export const MAX_BUCKETS_PER_SERIES = 1000;

/**
 * The interval a series is answered with: the one asked for (or the automatic
 * one), widened to a readable unit when it would give more than
 * MAX_BUCKETS_PER_SERIES buckets over the window.
 *
 * @example
 * cappedIntervalSeconds(60, 0, 30 * 86_400_000); // 3600: 1m over 30 days would be 43,200 points
 */
export function cappedIntervalSeconds(requestedSeconds: number | undefined, fromMillis: number, toMillis: number): number {
  const floor = autoIntervalSeconds(fromMillis, toMillis, MAX_BUCKETS_PER_SERIES);
  return Math.max(requestedSeconds ?? autoIntervalSeconds(fromMillis, toMillis), floor);
}

/**
 * Steps sent without X-Ray's attributes, in a request without their root,
 * were stored with no pipeline or environment; they belong to the execution's.
 * (The timeline read resolves this in the store; the export and compare
 * routes read steps page by page and resolve it here.)
 */
export function inheritFromExecution<T extends { pipeline: string; environment: string }>(
  stepJson: T,
  execution: { pipeline: string; environment: string } | null,
): T {
  if (!execution) return stepJson;
  return {
    ...stepJson,
    pipeline: stepJson.pipeline || execution.pipeline,
    environment: stepJson.environment || execution.environment,
  };
}

/**
 * Rollup rows (one per pipeline and bucket) -> one series per pipeline, in
 * bucket order; a bucket starting before `fromMillis` (the window's first,
 * partial one) is dated at `fromMillis`. Pipelines share their buckets, so
 * each bucket's time is formatted once (8,500 points of 12 pipelines: 720).
 */
export function toFailureRateSeries(
  points: readonly FailureRatePoint[],
  fromMillis = Number.NEGATIVE_INFINITY,
): { pipeline: string; points: { time: string; executions: number; failed: number; failureRate: number }[] }[] {
  const series = new Map<string, { time: string; executions: number; failed: number; failureRate: number }[]>();
  const times = new Map<string, string>();
  for (const point of points) {
    const executions = Number(point.executions);
    const failed = Number(point.failed);
    let list = series.get(point.pipeline);
    if (!list) {
      list = [];
      series.set(point.pipeline, list);
    }
    let time = times.get(point.bucket_ms);
    if (time === undefined) {
      time = new Date(Math.max(Number(point.bucket_ms), fromMillis)).toISOString();
      times.set(point.bucket_ms, time);
    }
    list.push({ time, executions, failed, failureRate: executions === 0 ? 0 : failed / executions });
  }
  return [...series].map(([pipeline, list]) => ({ pipeline, points: list }));
}
