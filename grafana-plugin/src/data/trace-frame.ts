/**
 * One execution as the data frame Grafana's trace view reads
 * (`meta.preferredVisualisationType: 'trace'`, one row per span with the
 * fields of `TraceSpanRow`). The execution's root span is a row too, so the
 * steps hang under it as they do in the trace the SDK sent.
 */
import { createDataFrame, type DataFrame, FieldType, type TraceKeyValuePair, type TraceLog } from '@grafana/data';
import type { ExecutionDetail, Step } from '../api/types';
import { isFailedStep } from './status';
import { nanosToMillis } from './time';

/** OTel status codes as the trace view reads them. */
const STATUS_OK = 1;
const STATUS_ERROR = 2;

interface SpanRow {
  traceID: string;
  spanID: string;
  parentSpanID: string | undefined;
  operationName: string;
  serviceName: string;
  serviceTags: TraceKeyValuePair[];
  startTime: number;
  duration: number;
  logs: TraceLog[];
  tags: TraceKeyValuePair[];
  kind: string;
  statusCode: number;
  statusMessage: string;
}

function tagsOf(record: Record<string, string>, extra: Array<[string, unknown]>): TraceKeyValuePair[] {
  const tags: TraceKeyValuePair[] = [];
  for (const [key, value] of extra) {
    if (value !== '' && value !== undefined && value !== null && value !== 0) {
      tags.push({ key, value });
    }
  }
  for (const key of Object.keys(record).sort()) {
    tags.push({ key, value: record[key] });
  }
  return tags;
}

function stepToSpan(step: Step, traceId: string, serviceName: string, rootSpanId: string | undefined): SpanRow {
  const failed = isFailedStep(step);
  const startTime = nanosToMillis(step.startTimeUnixNano);
  const logs: TraceLog[] = [];
  if (step.error) {
    logs.push({
      timestamp: startTime + step.durationMs,
      name: 'exception',
      fields: [
        { key: 'exception.type', value: step.error.type },
        { key: 'exception.message', value: step.error.message },
        { key: 'exception.stacktrace', value: step.error.stack },
      ].filter((field) => field.value !== ''),
    });
  }
  const parent = step.parentSpanId === '' ? rootSpanId : step.parentSpanId;
  return {
    traceID: traceId,
    spanID: step.spanId,
    parentSpanID: parent === step.spanId ? undefined : parent,
    operationName: step.name,
    serviceName,
    serviceTags: [{ key: 'service.name', value: serviceName }],
    startTime,
    duration: step.durationMs,
    logs,
    tags: tagsOf(step.attributes, [
      ['xray.step.status', step.status],
      ['xray.step.sequence', step.sequence],
      ['xray.step.reasoning', step.reasoning],
      ['gen_ai.request.model', step.model],
      ['gen_ai.provider.name', step.provider],
      ['gen_ai.usage.input_tokens', step.inputTokens],
      ['gen_ai.usage.output_tokens', step.outputTokens],
      ['xray.step.cost_usd', step.costUsd],
    ]),
    kind: 'internal',
    statusCode: failed ? STATUS_ERROR : STATUS_OK,
    statusMessage: step.error?.message ?? (failed ? step.status : ''),
  };
}

/**
 * Builds the trace view's data frame for an execution.
 *
 * @example
 * const frame = toTraceFrame(response.execution, response.steps);
 * frame.meta?.preferredVisualisationType // 'trace'
 */
export function toTraceFrame(execution: ExecutionDetail | null, steps: Step[]): DataFrame {
  const traceId = execution?.traceId ?? '';
  const serviceName = execution?.serviceName || steps[0]?.pipeline || 'x-ray';
  const spans: SpanRow[] = [];
  if (execution) {
    const failed = execution.status === 'failed';
    spans.push({
      traceID: traceId,
      spanID: execution.rootSpanId,
      parentSpanID: undefined,
      operationName: execution.pipeline,
      serviceName,
      serviceTags: [{ key: 'service.name', value: serviceName }],
      startTime: nanosToMillis(execution.startTimeUnixNano),
      duration: execution.durationMs,
      logs: [],
      tags: tagsOf(execution.attributes, [
        ['xray.execution.id', execution.executionId],
        ['xray.pipeline', execution.pipeline],
        ['xray.environment', execution.environment],
        ['xray.execution.status', execution.status],
      ]),
      kind: 'internal',
      statusCode: failed ? STATUS_ERROR : STATUS_OK,
      statusMessage: execution.errorMessage,
    });
  }
  for (const step of steps) {
    spans.push(stepToSpan(step, traceId || step.executionId, serviceName, execution?.rootSpanId));
  }

  const column = <K extends keyof SpanRow>(key: K) => spans.map((span) => span[key]);
  return createDataFrame({
    name: 'Trace',
    refId: 'trace',
    meta: { preferredVisualisationType: 'trace' },
    fields: [
      { name: 'traceID', type: FieldType.string, values: column('traceID') },
      { name: 'spanID', type: FieldType.string, values: column('spanID') },
      { name: 'parentSpanID', type: FieldType.string, values: column('parentSpanID') },
      { name: 'operationName', type: FieldType.string, values: column('operationName') },
      { name: 'serviceName', type: FieldType.string, values: column('serviceName') },
      { name: 'serviceTags', type: FieldType.other, values: column('serviceTags') },
      { name: 'startTime', type: FieldType.number, values: column('startTime') },
      { name: 'duration', type: FieldType.number, values: column('duration') },
      { name: 'logs', type: FieldType.other, values: column('logs') },
      { name: 'tags', type: FieldType.other, values: column('tags') },
      { name: 'kind', type: FieldType.string, values: column('kind') },
      { name: 'statusCode', type: FieldType.number, values: column('statusCode') },
      { name: 'statusMessage', type: FieldType.string, values: column('statusMessage') },
    ],
  });
}
