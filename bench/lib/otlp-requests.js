/**
 * Builds the ingest workload: executions of N steps as real OpenTelemetry
 * spans (a BasicTracerProvider, so ids, times and attribute handling are the
 * SDK's own), with the attributes the X-Ray SDK writes, and encodes each
 * execution as one OTLP request with the official serializers. Everything
 * here runs before timing starts.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INPUT_MIME_TYPE,
  ATTR_INPUT_VALUE,
  ATTR_OUTPUT_MIME_TYPE,
  ATTR_OUTPUT_VALUE,
  ATTR_SERVICE_NAME,
  ATTR_XRAY_APP_ID,
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_EXECUTION_DROPPED_STEPS,
  ATTR_XRAY_EXECUTION_ERROR_COUNT,
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_METADATA,
  ATTR_XRAY_EXECUTION_OUTCOME,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_EXECUTION_STATUS,
  ATTR_XRAY_EXECUTION_STEP_COUNT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_STEP_COST_USD,
  ATTR_XRAY_STEP_REASONING,
  ATTR_XRAY_STEP_SEQUENCE,
  ATTR_XRAY_STEP_STATUS,
} from '@xray/sdk/semconv';
import { spansToRows } from '../../collector/dist/model/span-to-rows.js';
import { decodeProtobufTraces } from '../../collector/dist/otlp/index.js';

const PIPELINE = 'loan-approval';
const ENVIRONMENT = 'bench';
const STEP_NAMES = [
  'fetch_application', 'fetch_credit_score', 'normalize_score', 'check_fraud_signals', 'lookup_income',
  'compute_dti', 'apply_policy_rules', 'llm_summarize_history', 'rank_offers', 'select_offer',
];
const REASONS = [
  'Score 742 is above the 700 threshold for tier A, so the applicant qualifies for the standard rate.',
  'Debt to income ratio of 0.31 is within policy; no manual review needed for this application.',
  'Two fraud signals were weak matches only; the combined risk stays below the review threshold.',
  'Income verified against payroll records; variance under five percent of the declared amount.',
  'Offer B ranks first on expected margin while staying inside the customer affordability band.',
];

/** A JSON payload of about 200 bytes, different for every step. */
function payload(kind, execution, step) {
  return JSON.stringify({
    kind,
    applicationId: `app-${execution}-${step}`,
    customer: { id: `c-${(execution * 7919 + step) % 100_000}`, segment: step % 3 === 0 ? 'prime' : 'near-prime' },
    amounts: { requested: 25_000 + step, approved: 20_000 + step * 3 },
    flags: ['verified', step % 2 === 0 ? 'returning' : 'new'],
    score: Number(((step * 37) % 1000 / 1000).toFixed(3)),
  });
}

/** A SpanProcessor that keeps every ended span (a ReadableSpan), in end order. */
function createCollectingProcessor() {
  const spans = [];
  return {
    spans,
    onStart() {},
    onEnd(span) {
      spans.push(span);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * Builds `executionCount` executions of `stepsPerExecution` steps each, as
 * ReadableSpan arrays (steps in order, then the root, as the SDK sends them).
 * About 1% of steps and 5% of executions fail.
 *
 * @param {{ executionCount: number, stepsPerExecution: number, appId: string }} options
 * @returns {{ executionIds: string[], spans: import('@opentelemetry/sdk-trace-base').ReadableSpan[][] }}
 */
export function buildExecutions(options) {
  const collector = createCollectingProcessor();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'xray-bench', [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: ENVIRONMENT }),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('@xray/sdk', '0.1.0');
  const executionIds = [];
  const spans = [];
  // Recent times: the tables keep 30 days.
  const baseMillis = Date.now() - 60 * 60 * 1000;

  for (let e = 0; e < options.executionCount; e++) {
    collector.spans.length = 0;
    const executionId = `bench-exec-${String(e).padStart(6, '0')}-${Math.random().toString(36).slice(2, 10)}`;
    const executionFailed = e % 20 === 19;
    const start = baseMillis + e * 10;
    const root = tracer.startSpan(PIPELINE, { startTime: start });
    const parent = trace.setSpan(context.active(), root);
    let errors = 0;
    for (let s = 0; s < options.stepsPerExecution; s++) {
      const failed = s % 100 === 57;
      const attributes = {
        [ATTR_XRAY_EXECUTION_ID]: executionId,
        [ATTR_XRAY_PIPELINE]: PIPELINE,
        [ATTR_XRAY_ENVIRONMENT]: ENVIRONMENT,
        [ATTR_XRAY_STEP_SEQUENCE]: s,
        [ATTR_XRAY_STEP_STATUS]: failed ? 'failed' : 'completed',
        [ATTR_XRAY_STEP_REASONING]: REASONS[(e + s) % REASONS.length],
        [ATTR_INPUT_VALUE]: payload('input', e, s),
        [ATTR_INPUT_MIME_TYPE]: 'application/json',
        [ATTR_OUTPUT_VALUE]: payload('output', e, s),
        [ATTR_OUTPUT_MIME_TYPE]: 'application/json',
      };
      if (s % 10 === 7) {
        attributes[ATTR_GEN_AI_REQUEST_MODEL] = 'gpt-4o-mini';
        attributes[ATTR_GEN_AI_PROVIDER_NAME] = 'openai';
        attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = 812 + s;
        attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = 96;
        attributes[ATTR_XRAY_STEP_COST_USD] = 0.00042;
      }
      const span = tracer.startSpan(STEP_NAMES[s % STEP_NAMES.length], { startTime: start + s * 5, attributes }, parent);
      if (failed) {
        errors++;
        span.recordException(new Error(`policy service timed out for step ${s}`), start + s * 5 + 4);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `policy service timed out for step ${s}` });
      }
      span.end(start + s * 5 + 4);
    }
    root.setAttributes({
      [ATTR_XRAY_EXECUTION_ID]: executionId,
      [ATTR_XRAY_EXECUTION_ROOT]: true,
      [ATTR_XRAY_PIPELINE]: PIPELINE,
      [ATTR_XRAY_ENVIRONMENT]: ENVIRONMENT,
      [ATTR_XRAY_APP_ID]: options.appId,
      [ATTR_XRAY_EXECUTION_STATUS]: executionFailed ? 'failed' : 'completed',
      [ATTR_XRAY_EXECUTION_STEP_COUNT]: options.stepsPerExecution,
      [ATTR_XRAY_EXECUTION_ERROR_COUNT]: errors,
      [ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 0,
      [ATTR_XRAY_EXECUTION_METADATA]: JSON.stringify({ userId: `u-${e}`, channel: 'web', experiment: 'b' }),
      [ATTR_XRAY_EXECUTION_OUTCOME]: JSON.stringify({ approved: !executionFailed, offer: 'B' }),
    });
    if (executionFailed) root.setStatus({ code: SpanStatusCode.ERROR, message: 'no offer could be selected' });
    root.end(start + options.stepsPerExecution * 5);
    executionIds.push(executionId);
    spans.push([...collector.spans]);
  }
  return { executionIds, spans };
}

/**
 * Encodes each execution as one OTLP ExportTraceServiceRequest, with the
 * serializers the official OTLP exporters use.
 *
 * @param {import('@opentelemetry/sdk-trace-base').ReadableSpan[][]} executions
 * @param {'protobuf' | 'json'} format
 * @returns {Buffer[]}
 */
export function encodeRequests(executions, format) {
  const serializer = format === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  return executions.map((spans) => {
    const bytes = serializer.serializeRequest(spans);
    if (!bytes) throw new Error(`the ${format} serializer returned nothing`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
}

/**
 * At least `count` step rows of this workload (500-step executions) as the
 * collector makes them from its requests: OTLP/protobuf through its own
 * decoder and `spansToRows`, ready for a raw insert.
 *
 * @param {number} count
 * @param {string} [appId]
 * @returns {Record<string, unknown>[]}
 * @example
 * const rows = ingestStepRows(16 * 2000); // then toJsonCompactEachRow(rows.slice(0, 2000)), …
 */
export function ingestStepRows(count, appId = 'bench') {
  const built = buildExecutions({ executionCount: Math.ceil(count / 500), stepsPerExecution: 500, appId });
  return encodeRequests(built.spans, 'protobuf').flatMap((body) => spansToRows(appId, decodeProtobufTraces(body).spans).steps);
}

/** The Content-Type for each format. */
export const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' };
