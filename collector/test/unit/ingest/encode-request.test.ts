/**
 * The decode worker's streamed pipeline (encodeStreamedRequest) against the
 * staged one it replaced there (decodeRequest: decode every span, admit,
 * map, then encode): on real SDK requests, random and mutated ones and edge
 * cases both must give the same rows, the same Native bytes, counts, words
 * and messages, or the same error (for OTLP/JSON, whose reader gives up
 * instead of failing: a `json` fallback, so that the staged pipeline answers). And the protobuf decoder's span-by-span hand-over against its
 * ordinary result, on random and mutated bodies.
 */
import { context, SpanStatusCode, trace, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../../src/contracts/spans.js';
import { rowMapper, stepCostEstimator } from '../../../src/cost/estimate-costs.js';
import { loadPriceTable } from '../../../src/cost/price-table.js';
import { decodeRequest } from '../../../src/ingest/decode-request.js';
import { encodeStreamedRequest, type EncodeRequestOptions } from '../../../src/ingest/encode-request.js';
import { admitSpans } from '../../../src/model/span-admission.js';
import { decodeProtobufTraces, type OtlpFormat } from '../../../src/otlp/index.js';
import { encodeRows } from '../../../src/store/row-encoding.js';
import { stepTotalsOf } from '../../../src/store/step-totals.js';
import { gatherStepWords } from '../../../src/store/word-sieve.js';
import { createRandom, lenField, toJsonText, toProtobuf } from '../otlp/fixtures.js';
import { outcomeOf } from '../otlp/outcome.js';
import { jsonText, mutate, mutateJson, randomProtobufRequest, randomSpans, respell } from '../otlp/random-requests.js';

const NOW_SECONDS = 1_800_000_000;
const NOW = BigInt(NOW_SECONDS) * 1_000_000_000n;
const ADMISSION = { retentionDays: 30, maxFutureSkewSeconds: 3600 };
const PRICES = loadPriceTable('{"models":[{"model":"gpt-4o*","inputPerMillionUsd":2.5,"outputPerMillionUsd":10}]}');

type Options = Omit<EncodeRequestOptions, 'estimateCost'> & { prices?: boolean };

/** The staged pipeline, as the decode worker ran it before (and still runs it when the store takes row objects). */
async function staged(body: Uint8Array, appId: string, options: Options, format: OtlpFormat = 'protobuf') {
  return decodeRequest(format, body, appId, {
    admitSpans: (spans) => admitSpans(spans, options.nowNanos, options.admission),
    toRows: rowMapper(options.prices ? PRICES : undefined),
    encodeSteps: (steps) => {
      const encoded = encodeRows('steps', steps);
      if (encoded && options.countSteps) encoded.stepTotals = stepTotalsOf(steps);
      if (encoded && options.gatherWords) encoded.words = gatherStepWords(steps);
      return encoded;
    },
  });
}

function streamed(body: Uint8Array, appId: string, options: Options, format: OtlpFormat = 'protobuf') {
  return encodeStreamedRequest(format, body, appId, { ...options, estimateCost: stepCostEstimator(options.prices ? PRICES : undefined) });
}

/** The same answer as the staged pipeline: the same rows and bytes, or the same error. Returns which. */
async function expectSameAsStaged(body: Uint8Array, options: Options, label: string): Promise<'rows' | 'error'> {
  let expected: unknown;
  try {
    expected = await staged(body, 'app-1', options);
  } catch (error) {
    expect(() => streamed(body, 'app-1', options), label).toThrow((error as Error).message);
    return 'error';
  }
  expect(streamed(body, 'app-1', options), label).toEqual(expected);
  return 'rows';
}

/**
 * For OTLP/JSON: the staged pipeline's rows and bytes, or a `json` fallback (the
 * reader gave up, and the staged pipeline answers); never an answer of its
 * own, and never a fallback where `mustStream` and the staged pipeline
 * answers with rows. Returns which.
 */
async function expectJsonSameAsStaged(body: Uint8Array, options: Options, label: string, mustStream = false): Promise<'rows' | 'error' | 'staged'> {
  const actual = streamed(body, 'app-1', options, 'json');
  let expected: unknown;
  try {
    expected = await staged(body, 'app-1', options, 'json');
  } catch {
    expect(actual, `${label}: a body the staged pipeline refuses`).toMatchObject({ fallback: 'json' });
    return 'error';
  }
  if (mustStream) expect('fallback' in actual ? actual : 'streamed', `${label}: streamed`).toBe('streamed');
  if ('fallback' in actual) return 'staged';
  expect(actual, label).toEqual(expected);
  return 'rows';
}

/** Two executions as the X-Ray SDK and a plain OTel app send them: roots end (and travel) after their steps. */
function recordExecutions(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'loans', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('xray', '1.0.0');
  const t = (seconds: number): HrTime => [NOW_SECONDS - 3600 + seconds, 0];
  // An X-Ray execution: every span tagged, one failed step, one priced and one reported cost.
  const root = tracer.startSpan('approve', { startTime: t(0), attributes: { 'xray.execution.root': true, 'xray.execution.id': 'exec-a', 'xray.pipeline': 'loan' } });
  const inRoot = trace.setSpan(context.active(), root);
  for (let i = 0; i < 6; i++) {
    const step = tracer.startSpan(`step-${i}`, { startTime: t(i + 1) }, inRoot);
    step.setAttributes({ 'xray.execution.id': 'exec-a', 'xray.step.sequence': i, 'xray.step.reasoning': `score ${i} below threshold`, 'input.value': `{"i":${i}}` });
    if (i === 2) {
      step.recordException({ name: 'Timeout', message: 'bureau timed out' });
      step.setStatus({ code: SpanStatusCode.ERROR, message: 'bureau timed out' });
    }
    if (i === 3) step.setAttributes({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 80 });
    if (i === 4) step.setAttributes({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'xray.step.cost_usd': 0.5 });
    if (i % 2 === 0) step.setAttribute('xray.pipeline', 'loan');
    step.end(t(i + 2));
  }
  root.end(t(10));
  // A plain OTel trace: no X-Ray attributes, so its steps inherit pipeline and environment from the root, which comes last.
  const plain = tracer.startSpan('GET /quote', { startTime: t(20) });
  const inPlain = trace.setSpan(context.active(), plain);
  for (let i = 0; i < 3; i++) tracer.startSpan(`db-${i}`, { startTime: t(21 + i) }, inPlain).end(t(22 + i));
  plain.end(t(30));
  return exporter.getFinishedSpans();
}

describe('encodeStreamedRequest', () => {
  const spans = recordExecutions();

  it("gives the staged pipeline's rows and bytes for SDK executions", async () => {
    for (const extras of [{}, { countSteps: true, gatherWords: true, prices: true }]) {
      await expectSameAsStaged(toProtobuf(spans), { nowNanos: NOW, admission: ADMISSION, ...extras }, JSON.stringify(extras));
    }
    const decoded = streamed(toProtobuf(spans), 'app-1', { nowNanos: NOW, admission: ADMISSION, countSteps: true, prices: true })!;
    // What the comparison is about, checked on its own.
    expect(decoded.admittedSpans).toBe(spans.length);
    expect(decoded.rows.executions.map((row) => [row.execution_id, row.pipeline, row.environment, row.step_count, row.error_count])).toEqual([
      ['exec-a', 'loan', 'prod', 6, 1],
      [spans.at(-1)!.spanContext().traceId, 'GET /quote', 'prod', 3, 0],
    ]);
    expect(decoded.rows.encodedSteps?.rows).toBe(9);
    const totals = decoded.rows.encodedSteps?.stepTotals ?? [];
    expect(totals[0]).toMatchObject({ execution_id: 'exec-a', steps: 6, failed: 1, costUsd: 0.5 + (1200 * 2.5 + 80 * 10) / 1e6 });
  });

  it('rejects and explains the same spans as the staged pipeline', async () => {
    // Eleven days apart, so the request also crosses the ten-day limit; some spans too old or too far ahead.
    const spread = spans.map((span, i) => Object.create(span, {
      startTime: { value: [NOW_SECONDS - 86_400 * (i % 12) - 60, 0] as HrTime },
      endTime: { value: [i === 4 ? NOW_SECONDS + 7200 : NOW_SECONDS - 86_400 * (i % 12), 0] as HrTime },
    }) as ReadableSpan);
    const text = toProtobuf(spread);
    const options = { nowNanos: NOW, admission: { retentionDays: 11, maxFutureSkewSeconds: 3600 }, countSteps: true };
    await expectSameAsStaged(text, options, 'spread');
    const decoded = streamed(text, 'app-1', options)!;
    expect(decoded.unstorableSpans).toBeGreaterThan(0);
    expect(decoded.rejectionMessages.join('\n')).toMatch(/retention|future/);
  });

  it('gives the staged pipeline\'s answer on random and mutated requests', async () => {
    const tally = { rows: 0, error: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      const random = createRandom(seed);
      const options = { nowNanos: NOW, admission: { retentionDays: 100_000, maxFutureSkewSeconds: 10 ** 9 }, countSteps: true, gatherWords: true };
      const official = toProtobuf(randomSpans(random));
      tally[await expectSameAsStaged(official, options, `seed ${seed} official`)] += 1;
      tally[await expectSameAsStaged(mutate(official, random), options, `seed ${seed} mutated`)] += 1;
      tally[await expectSameAsStaged(randomProtobufRequest(random), options, `seed ${seed} hand-written`)] += 1;
    }
    // Both answers occur, or the comparison proves little.
    expect(tally.rows).toBeGreaterThan(100);
    expect(tally.error).toBeGreaterThan(20);
  });

  it("gives up (a 'row-encoding' fallback) on a row the Native format cannot carry, so the caller keeps the rows as objects", async () => {
    const body = toProtobuf(spans);
    const negative = encodeStreamedRequest('protobuf', body, 'app-1', {
      nowNanos: NOW,
      admission: ADMISSION,
      estimateCost: (step) => {
        step.input_tokens = -1;
      },
    });
    expect(negative).toEqual({ fallback: 'row-encoding' });
    // A body the decoder refuses is still an error, not a fallback.
    expect(() => encodeStreamedRequest('protobuf', Buffer.from([0x0a, 0xff]), 'app-1', { nowNanos: NOW, admission: ADMISSION })).toThrow(/invalid protobuf/);
    // OTLP/JSON: a body the reader does not take is the staged pipeline's, error or not.
    // Not JSON: a give-up of the grammar, not of the layout, where the body ends.
    expect(encodeStreamedRequest('json', Buffer.from('{"resourceSpans":'), 'app-1', { nowNanos: NOW, admission: ADMISSION })).toEqual({
      fallback: 'json',
      why: { layout: false, offset: 17 },
    });
    // JSON.parse reads a snake_case field name, the reader does not: a give-up of the layout.
    expect(encodeStreamedRequest('json', Buffer.from('{"resource_spans":[]}'), 'app-1', { nowNanos: NOW, admission: ADMISSION })).toEqual({
      fallback: 'json',
      why: { layout: true, offset: 18 },
    });
  });

  it("gives the staged pipeline's rows and bytes for SDK executions sent as OTLP/JSON", async () => {
    const body = Buffer.from(toJsonText(spans));
    for (const extras of [{}, { countSteps: true, gatherWords: true, prices: true }]) {
      expect(await expectJsonSameAsStaged(body, { nowNanos: NOW, admission: ADMISSION, ...extras }, JSON.stringify(extras), true)).toBe('rows');
    }
    // The same rows as the same spans sent as protobuf.
    const options = { nowNanos: NOW, admission: ADMISSION, countSteps: true, gatherWords: true, prices: true };
    const fromJson = streamed(body, 'app-1', options, 'json')!;
    const fromProtobuf = streamed(toProtobuf(spans), 'app-1', options)!;
    expect(fromJson.rows.executions).toEqual(fromProtobuf.rows.executions);
    expect(Buffer.compare(fromJson.rows.encodedSteps!.payload, fromProtobuf.rows.encodedSteps!.payload)).toBe(0);
  });

  it("gives the staged pipeline's answer on random, respelled, edited and mutated OTLP/JSON requests", async () => {
    const tally = { rows: 0, error: 0, staged: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      const random = createRandom(seed);
      const options = { nowNanos: NOW, admission: { retentionDays: 100_000, maxFutureSkewSeconds: 10 ** 9 }, countSteps: true, gatherWords: true };
      const text = toJsonText(randomSpans(random));
      tally[await expectJsonSameAsStaged(Buffer.from(text), options, `seed ${seed} official`, true)] += 1;
      const parsed = JSON.parse(text) as Record<string, unknown>;
      tally[await expectJsonSameAsStaged(Buffer.from(JSON.stringify(respell(parsed, random, 0.5))), options, `seed ${seed} respelled`)] += 1;
      tally[await expectJsonSameAsStaged(Buffer.from(jsonText(mutateJson(parsed, random))), options, `seed ${seed} edited`)] += 1;
      tally[await expectJsonSameAsStaged(mutate(Buffer.from(text), random), options, `seed ${seed} mutated`)] += 1;
    }
    // Every answer occurs, or the comparison proves little (138, 373 and 89 of 600 when written).
    expect(tally.rows).toBeGreaterThan(100);
    expect(tally.error).toBeGreaterThan(200);
    expect(tally.staged).toBeGreaterThan(40);
  });
});

describe('decodeProtobufTraces with onSpan', () => {
  function handedOver(body: Buffer): { spans: DecodedSpan[]; resources: unknown[]; result: ReturnType<typeof decodeProtobufTraces> } {
    const spans: DecodedSpan[] = [];
    const resources: unknown[] = [];
    const result = decodeProtobufTraces(body, (span) => {
      spans.push(span);
      resources.push(structuredClone(span.resource));
    });
    return { spans, resources, result };
  }

  it('hands every span over with its resource whole, even when the resource comes after the spans', () => {
    const recorded = recordExecutions();
    const request = toProtobuf(recorded);
    // A ResourceSpans sent in two pieces merges: its spans first, then its resource.
    const resourceSpans = decodeFieldPayloads(request, 1)[0];
    const pieces = decodeFieldPayloads(resourceSpans, 2).map((scopeSpans) => lenField(2, scopeSpans));
    const resource = decodeFieldPayloads(resourceSpans, 1).map((payload) => lenField(1, payload));
    const reordered = lenField(1, Buffer.concat([...pieces, ...resource]));
    const { spans, resources, result } = handedOver(reordered);
    expect(result.spans).toEqual([]);
    expect(spans).toEqual(decodeProtobufTraces(request).spans);
    for (const seen of resources) expect(seen).toEqual({ 'service.name': 'loans', 'deployment.environment.name': 'prod' });
  });

  it('hands over what it returns otherwise, or throws the same error, on random and mutated bodies', () => {
    let compared = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const random = createRandom(seed);
      const original = randomProtobufRequest(random);
      for (const body of [original, mutate(original, random)]) {
        const expected = outcomeOf(() => decodeProtobufTraces(body), (message) => message);
        const actual = outcomeOf(() => {
          const { spans, resources, result } = handedOver(body);
          expect(resources).toEqual(spans.map((span) => span.resource));
          return { ...result, spans };
        }, (message) => message);
        expect(actual, `seed ${seed}, body ${body.toString('base64')}`).toEqual(expected);
        compared += 1;
      }
    }
    expect(compared).toBe(400);
  });
});

/** The payloads of a message's length-delimited fields numbered `field`, in order. */
function decodeFieldPayloads(message: Buffer, field: number): Buffer[] {
  const payloads: Buffer[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < message.length) {
    const tag = varint();
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type in ${tag}`);
    const length = varint();
    if (tag >>> 3 === field) payloads.push(message.subarray(pos, pos + length));
    pos += length;
  }
  return payloads;
}
