/**
 * Hand-built OTLP/JSON requests for tests that need exact control over the
 * wire (bad ids, re-delivery, steps before their root). Real SDK traffic is
 * tested separately with the official exporters.
 */
import { randomBytes } from 'node:crypto';

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

type JsonAttr = { key: string; value: Record<string, unknown> };

function attr(key: string, value: string | number | boolean): JsonAttr {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };
}

export interface FixtureSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  durationMs: number;
  attributes?: Record<string, string | number | boolean>;
  error?: string;
}

export function jsonSpan(span: FixtureSpan): Record<string, unknown> {
  const start = BigInt(Math.round(span.startMs)) * 1_000_000n;
  const end = start + BigInt(Math.round(span.durationMs * 1_000_000));
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? '',
    name: span.name,
    kind: 1,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: Object.entries(span.attributes ?? {}).map(([key, value]) => attr(key, value)),
    status: span.error ? { code: 2, message: span.error } : { code: 0 },
  };
}

export function jsonRequest(spans: FixtureSpan[], resource: Record<string, string> = { 'service.name': 'fixture' }): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, value]) => attr(key, value)) },
        scopeSpans: [{ scope: { name: 'fixture' }, spans: spans.map(jsonSpan) }],
      },
    ],
  });
}

/** An execution in X-Ray's own attribute convention: a root and `steps` steps. */
export function executionSpans(options: {
  executionId?: string;
  pipeline: string;
  steps: { name: string; reasoning?: string; failed?: boolean }[];
  failed?: boolean;
  startMs?: number;
}): { traceId: string; executionId: string; root: FixtureSpan; steps: FixtureSpan[] } {
  const traceId = newTraceId();
  const executionId = options.executionId ?? traceId;
  const startMs = options.startMs ?? Date.now() - 1000;
  const root: FixtureSpan = {
    traceId,
    spanId: newSpanId(),
    name: options.pipeline,
    startMs,
    durationMs: 10 * options.steps.length + 1,
    attributes: {
      'xray.execution.id': executionId,
      'xray.execution.root': true,
      'xray.pipeline': options.pipeline,
      'xray.environment': 'test',
      'xray.execution.status': options.failed ? 'failed' : 'completed',
    },
    error: options.failed ? 'pipeline failed' : undefined,
  };
  const steps = options.steps.map((step, index) => ({
    traceId,
    spanId: newSpanId(),
    parentSpanId: root.spanId,
    name: step.name,
    startMs: startMs + index * 10,
    durationMs: 9,
    attributes: {
      'xray.execution.id': executionId,
      'xray.pipeline': options.pipeline,
      'xray.step.sequence': index,
      'xray.step.status': step.failed ? 'failed' : 'completed',
      ...(step.reasoning ? { 'xray.step.reasoning': step.reasoning } : {}),
    },
    error: step.failed ? `${step.name} failed` : undefined,
  }));
  return { traceId, executionId, root, steps };
}

/** What a randomized test decides of an execution, and keeps as the truth its reads are checked against. */
export interface ExecutionFacts {
  executionId: string;
  pipeline: string;
  environment: string;
  startMs: number;
  failed: boolean;
}

/**
 * The spans of an execution with these facts (its root in `environment`),
 * built anew each time: sending them again re-sends the execution.
 *
 * @example
 * const { root } = executionWith({ executionId: 'e-1', pipeline: 'loan', environment: 'prod', startMs: Date.now(), failed: false });
 */
export function executionWith(facts: ExecutionFacts, steps: { name: string }[] = []): ReturnType<typeof executionSpans> {
  const execution = executionSpans({ executionId: facts.executionId, pipeline: facts.pipeline, startMs: facts.startMs, steps, failed: facts.failed });
  execution.root.attributes!['xray.environment'] = facts.environment;
  return execution;
}

/** POSTs an OTLP/JSON body to the collector. */
export async function postJson(url: string, apiKey: string | undefined, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}
