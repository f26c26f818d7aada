/**
 * Large OTLP bodies are decoded, admitted, mapped and encoded in
 * the decode worker pool (issue 7 item 3): what is stored is exactly what
 * the collector's own mapping makes of the request, failures answer with the
 * same codes as inline decoding, a worker that dies fails only the request it
 * held (503, retryable, nothing stored) without touching acknowledged data,
 * and /healthz answers while a large body is being decoded. Real collector,
 * real chDB, real OTel SDK spans, read back with SQL.
 */
import { gzipSync } from 'node:zlib';
import { context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spansToRows } from '../../src/model/span-to-rows.js';
import type { DecodedSpan } from '../../src/contracts/spans.js';
import type { FlushInfo } from '../../src/store/index.js';
import { stepTotalsOf } from '../../src/store/step-totals.js';
import { MAX_ATTRIBUTE_VALUES_PER_REQUEST, MAX_EVENTS_PER_REQUEST, decodeJsonTraces, decodeProtobufTraces } from '../../src/otlp/index.js';
import { readJsonTraces } from '../../src/otlp/json-span-reader.js';
import { startCollector } from '../support/collector-harness.js';
import { lenField, requestWithSpan, validSpanFields } from '../unit/otlp/fixtures.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { decodeProtobufStatus } from '../support/otlp-status.js';

/** Bodies above this go to the workers in these tests. */
const INLINE_MAX_BYTES = 16 * 1024;
/** A worker heap small enough that a big body exhausts it. */
const WORKER_HEAP_MB = 32;

/** One execution of `steps` steps with the attributes the SDK writes (some non-ASCII, long and failed), as OTLP/protobuf (and as OTLP/JSON). */
function protobufExecution(pipeline: string, steps: number, payloadChars = 300, options: { roots?: boolean } = {}): { executionId: string; body: Buffer; json: Buffer } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'decode-pool-test', 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('decode-pool');
  const root = tracer.startSpan(pipeline, { attributes: { 'xray.execution.root': true, 'xray.pipeline': pipeline, 'xray.execution.status': 'completed' } });
  const executionId = root.spanContext().traceId;
  root.setAttribute('xray.execution.id', executionId);
  const parent = trace.setSpan(context.active(), root);
  const filler = 'décision ✓ 🎉 '.repeat(Math.ceil(payloadChars / 14)).slice(0, payloadChars);
  for (let i = 0; i < steps; i++) {
    const step = tracer.startSpan(`step-${i % 7}`, {
      attributes: {
        'xray.execution.id': executionId,
        'xray.pipeline': pipeline,
        'xray.step.sequence': i,
        'xray.step.status': i % 50 === 3 ? 'failed' : 'completed',
        // Cut by code points: a cut surrogate pair would reach OTLP/JSON as a lone surrogate, which admission refuses.
        'xray.step.reasoning': `because ${i} ${[...filler].slice(0, 40).join('')}`,
        'xray.step.cost_usd': i / 1000,
        'input.value': JSON.stringify({ i, text: filler }),
        'output.value': JSON.stringify({ ok: i % 2 === 0 }),
        'gen_ai.request.model': i % 10 === 0 ? 'model-x' : '',
        'gen_ai.usage.input_tokens': i,
        custom: `ß-${i}`,
      },
    }, options.roots ? trace.deleteSpan(context.active()) : parent);
    if (i % 50 === 3) step.recordException(new TypeError(`step ${i} failed`));
    step.end();
  }
  root.end();
  const spans = exporter.getFinishedSpans();
  return { executionId, body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), json: Buffer.from(JsonTraceSerializer.serializeRequest(spans)!) };
}

async function postProtobuf(url: string, apiKey: string, body: Uint8Array, contentType = 'application/x-protobuf') {
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-api-key': apiKey },
    body,
  });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function decodedBodies(harness: Harness, thread: 'inline' | 'worker'): Promise<number> {
  const text = await (await fetch(`${harness.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`xray_ingest_bodies_decoded_total{thread="${thread}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const STEP_COLUMNS = [
  'app_id', 'execution_id', 'trace_id', 'span_id', 'parent_span_id', 'sequence', 'name', 'pipeline', 'environment', 'status',
  'start_time', 'end_time', 'duration_ms', 'input', 'output', 'reasoning', 'error_type', 'error_message', 'error_stack',
  'model', 'provider', 'input_tokens', 'output_tokens', 'cost_usd', 'attributes',
] as const;

describe('the decode worker pool', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ maxBodyBytes: 64 << 20, maxInFlightBytes: 256 << 20, decode: { threads: 1, inlineMaxBytes: INLINE_MAX_BYTES, workerHeapMb: WORKER_HEAP_MB } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it.each([
    ['OTLP/protobuf', 'application/x-protobuf'],
    ['OTLP/JSON', 'application/json'],
  ])('stores exactly the rows the collector maps from a large %s body, decoded and encoded in a worker', async (label, contentType) => {
    const pipeline = `pool-equivalence-${label.slice(5).toLowerCase()}`;
    const { executionId, body: protobuf, json } = protobufExecution(pipeline, 300);
    const body = contentType === 'application/json' ? json : protobuf;
    expect(body.length).toBeGreaterThan(INLINE_MAX_BYTES);
    const before = await decodedBodies(harness, 'worker');

    const reply = await postProtobuf(harness.url, harness.apiKey, body, contentType);
    expect(reply.status).toBe(200);
    expect(await decodedBodies(harness, 'worker')).toBe(before + 1);

    const decoded = contentType === 'application/json' ? decodeJsonTraces(body) : decodeProtobufTraces(body);
    const expected = spansToRows(harness.appId, decoded.spans);
    const stored = await harness.sql<Record<string, unknown>>(
      `SELECT ${STEP_COLUMNS.map((column) => (column.endsWith('_time') ? `toString(${column}) AS ${column}` : column)).join(', ')}
       FROM steps FINAL WHERE app_id = {app:String} AND execution_id = {id:String} ORDER BY sequence`,
      { app: harness.appId, id: executionId },
    );
    const expectedSteps = [...expected.steps].sort((a, b) => a.sequence - b.sequence);
    expect(stored).toHaveLength(300);
    expect(stored).toEqual(expectedSteps.map((row) => Object.fromEntries(STEP_COLUMNS.map((column) => [column, row[column]]))));
    const [execution] = await harness.sql<{ step_count: number; pipeline: string }>(
      'SELECT step_count, pipeline FROM executions FINAL WHERE app_id = {app:String} AND execution_id = {id:String}',
      { app: harness.appId, id: executionId },
    );
    expect(execution).toEqual({ step_count: expected.executions[0].step_count, pipeline });
  });

  /**
   * Posts one 120-step execution (3 failed) and checks what the flush that
   * stored it tells the list head: exactly the totals the head counts from
   * the rows the collector's own mapping makes of `spans`.
   */
  async function expectHeadTotals(executionId: string, spans: DecodedSpan[], post: () => Promise<{ status: number }>): Promise<FlushInfo | undefined> {
    const expected = stepTotalsOf(spansToRows(harness.appId, spans).steps);
    const flushes: FlushInfo[] = [];
    const stop = harness.store.batcher.onFlush((info) => flushes.push(info));
    expect((await post()).status).toBe(200);
    stop();
    expect(expected).toHaveLength(1);
    expect(expected[0]).toMatchObject({ execution_id: executionId, steps: 120, failed: 3, repeated: false });
    const flush = flushes.find((info) => info.touched.some(([, id]) => id === executionId));
    expect(flush?.stepTotals).toEqual(expected);
    return flush;
  }

  it('counts the steps it encodes for the list head, exactly as the head counts rows', async () => {
    const { executionId, body } = protobufExecution('pool-totals', 120);
    const flush = await expectHeadTotals(executionId, decodeProtobufTraces(body).spans, () => postProtobuf(harness.url, harness.apiKey, body));
    expect(flush?.opaque).toEqual([]);
  });

  it('counts the steps of an OTLP/JSON body the span reader leaves to the staged path, as the head counts rows', async () => {
    const { executionId, json } = protobufExecution('pool-totals-staged', 120);
    // A key written with an escape: JSON.parse reads it as `name`, the span reader gives up on it.
    const text = json.toString('utf8').replace('"name":', '"n\\u0061me":');
    expect(text).toContain('"n\\u0061me":');
    expect(readJsonTraces(Buffer.from(text), () => {})).toBeUndefined();
    await expectHeadTotals(executionId, decodeJsonTraces(Buffer.from(text)).spans, () => postJson(harness.url, harness.apiKey, text));
  });

  it('answers a bad large body with the same status and code as a bad small one', async () => {
    const small = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    const large = Buffer.concat([small, Buffer.alloc(INLINE_MAX_BYTES * 2, 0x41)]);
    const inlineReply = await postProtobuf(harness.url, harness.apiKey, small);
    const workerReply = await postProtobuf(harness.url, harness.apiKey, large);
    expect(inlineReply.status).toBe(400);
    expect(workerReply.status).toBe(400);
    expect(decodeProtobufStatus(workerReply.body).message).toMatch(/^XRAY_ERR_OTLP_DECODE: /);
    expect(decodeProtobufStatus(inlineReply.body).message).toMatch(/^XRAY_ERR_OTLP_DECODE: /);

    const badJson = `{"resourceSpans": [${' '.repeat(INLINE_MAX_BYTES * 2)}`;
    const jsonReply = await postJson(harness.url, harness.apiKey, badJson);
    expect(jsonReply.status).toBe(400);
    expect(jsonReply.headers.get('x-xray-error-code')).toBe('XRAY_ERR_OTLP_DECODE');
  });

  /**
   * Posts a gzipped protobuf body and a gzipped JSON body that a decode worker must refuse with a 400 naming
   * `message`, then a valid request, which must be stored whole: the worker lived through both.
   */
  async function expectRefusedThenNextStored(protobuf: Buffer, json: string, message: string, pipeline: string): Promise<void> {
    const body = gzipSync(protobuf);
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-api-key': harness.apiKey },
      body,
    });
    const reply = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(400);
    expect(decodeProtobufStatus(reply).message).toMatch(new RegExp(`^XRAY_ERR_OTLP_DECODE: .*${message}`));
    const jsonResponse = await fetch(`${harness.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': harness.apiKey },
      body: gzipSync(Buffer.from(json)),
    });
    expect(jsonResponse.status).toBe(400);
    expect(jsonResponse.headers.get('x-xray-error-code')).toBe('XRAY_ERR_OTLP_DECODE');
    expect(await jsonResponse.text()).toContain(message);
    const { executionId, body: next } = protobufExecution(pipeline, 50);
    expect((await postProtobuf(harness.url, harness.apiKey, next)).status).toBe(200);
    const [stored] = await harness.sql<{ n: number }>('SELECT count() AS n FROM steps WHERE app_id = {app:String} AND execution_id = {id:String}', {
      app: harness.appId,
      id: executionId,
    });
    expect(Number(stored.n)).toBe(50);
  }

  /** One OTLP/JSON span whose `field` holds `count` empty objects, as the span reader reads them in a worker. */
  function jsonSpanWith(field: 'events' | 'attributes', count: number): string {
    const head = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","startTimeUnixNano":"1","endTimeUnixNano":"2",';
    const empties = Array.from({ length: count }, () => '{}').join(',');
    const list = field === 'events' ? `"events":[${empties}]` : `"attributes":[{"key":"list","value":{"arrayValue":{"values":[${empties}]}}}]`;
    return `${head}${list}}]}]}]}`;
  }

  it('refuses a request of more span events than the limit (400) without the worker dying, and decodes the next request', async () => {
    // One span, then empty events (two bytes each) up to the body limit: 4 MiB that gzip makes ~4 KB.
    // Before the limit, each event held ~140 bytes until its span ended: the worker ran out of heap (a 503).
    // In OTLP/JSON, `{}` events are read span by span and refused at the limit, not parsed whole.
    const events = Buffer.alloc(4 * 1024 * 1024 - 128).fill(Buffer.from([0x5a, 0x00]));
    const protobuf = requestWithSpan(Buffer.concat([validSpanFields(), events]));
    await expectRefusedThenNextStored(protobuf, jsonSpanWith('events', 1_300_000), `more than ${MAX_EVENTS_PER_REQUEST} span events`, 'pool-after-events');
  });

  it('refuses a request of more attribute values than the limit (400) in the worker, and decodes the next request', async () => {
    // One attribute holding an array of empty values (two bytes each) up to 4 MiB: twice the limit. (Empty key-value
    // lists, four bytes each and ~60 in memory, would run this suite's 32 MB worker out of heap before the limit;
    // the collector's default heap, 1 GB, holds a request at the limit of the costliest values, distinct keys.)
    const items = Buffer.alloc(4 * 1024 * 1024 - 128).fill(Buffer.from([0x0a, 0x00]));
    expect(items.length / 2).toBeGreaterThan(MAX_ATTRIBUTE_VALUES_PER_REQUEST);
    const attribute = lenField(9, Buffer.concat([lenField(1, Buffer.from('list')), lenField(2, lenField(5, items))]));
    const protobuf = requestWithSpan(Buffer.concat([validSpanFields(), attribute]));
    const message = `more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values`;
    await expectRefusedThenNextStored(protobuf, jsonSpanWith('attributes', 1_300_000), message, 'pool-after-attributes');
  });

  it('rejects spans individually through partial success in a worker as inline', async () => {
    const old = executionSpans({
      pipeline: 'pool-partial',
      startMs: Date.now() - 400 * 86_400_000,
      steps: Array.from({ length: 3 }, (_, i) => ({ name: `old-${i}` })),
    });
    const fresh = executionSpans({
      pipeline: 'pool-partial',
      steps: Array.from({ length: 200 }, (_, i) => ({ name: `fresh-${i}`, reasoning: 'r'.repeat(200) })),
    });
    const body = jsonRequest([old.root, ...old.steps, fresh.root, ...fresh.steps]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(INLINE_MAX_BYTES);
    const before = await decodedBodies(harness, 'worker');
    const reply = await postJson(harness.url, harness.apiKey, body);
    expect(await decodedBodies(harness, 'worker')).toBe(before + 1);
    expect(reply.status).toBe(200);
    expect(Number(reply.json.partialSuccess.rejectedSpans)).toBe(4);
    expect(reply.json.partialSuccess.errorMessage).toMatch(/retention/);
    const [stored] = await harness.sql<{ n: string }>(
      "SELECT count() AS n FROM steps FINAL WHERE pipeline = 'pool-partial'",
    );
    expect(Number(stored.n)).toBe(200);
  });

  it('fails only the request a dying worker held, with a retryable 503, and keeps what was acknowledged', async () => {
    const acknowledged = protobufExecution('pool-before-crash', 100);
    expect((await postProtobuf(harness.url, harness.apiKey, acknowledged.body)).status).toBe(200);

    // Each span of this body is a root (no parent), and a request's roots are kept until its end (their rows count
    // their steps): far more than the worker's heap, so it dies mid-request. (Steps are not kept: a body of 24,000
    // steps under one root decodes in this heap, as the last lines show.)
    const doomed = protobufExecution('pool-crash', 40_000, 600, { roots: true });
    const crashed = await postProtobuf(harness.url, harness.apiKey, doomed.body);
    expect(crashed.status).toBe(503);
    expect(crashed.headers.get('retry-after')).not.toBeNull();
    expect(decodeProtobufStatus(crashed.body).message).toMatch(/^XRAY_ERR_DECODE_WORKER_LOST: /);

    // A new worker takes over.
    const after = protobufExecution('pool-after-crash', 100);
    expect((await postProtobuf(harness.url, harness.apiKey, after.body)).status).toBe(200);

    const counts = await harness.sql<{ pipeline: string; n: string }>(
      "SELECT pipeline, count() AS n FROM steps FINAL WHERE pipeline IN ('pool-before-crash', 'pool-crash', 'pool-after-crash') GROUP BY pipeline ORDER BY pipeline",
    );
    expect(counts.map((row) => [row.pipeline, Number(row.n)])).toEqual([
      ['pool-after-crash', 100],
      ['pool-before-crash', 100],
    ]);
    const roots = await harness.sql<{ n: string }>("SELECT count() AS n FROM executions WHERE pipeline = 'pool-crash'");
    expect(Number(roots[0].n)).toBe(0);

    // Steps die as they are encoded: 24,000 of them under one root fit the same 32 MB heap.
    const large = protobufExecution('pool-large', 24_000, 600);
    expect((await postProtobuf(harness.url, harness.apiKey, large.body)).status).toBe(200);
    const stored = await harness.sql<{ n: string }>("SELECT count() AS n FROM steps WHERE pipeline = 'pool-large'");
    expect(Number(stored[0].n)).toBe(24_000);
  });

  it('answers /healthz while a large body is being decoded', async () => {
    const { body } = protobufExecution('pool-healthz', 2000);
    const order: string[] = [];
    const ingest = postProtobuf(harness.url, harness.apiKey, body).then((reply) => {
      order.push('ingest');
      return reply;
    });
    // Wait until the body is in a worker, then ask for /healthz.
    while ((harness.xray.decodePool?.pending ?? 0) === 0) await new Promise((resolve) => setImmediate(resolve));
    const health = await fetch(`${harness.url}/healthz`);
    order.push('healthz');
    expect(health.status).toBe(200);
    const reply = await ingest;
    expect([reply.status, reply.status === 200 ? '' : decodeProtobufStatus(reply.body).message]).toEqual([200, '']);
    expect(order).toEqual(['healthz', 'ingest']);
  });
});

describe('the decode worker pool without a list head (XRAY_LIST_HEAD_ROWS=0)', () => {
  it('encodes the steps without counting them: the flush cannot account for the execution', async () => {
    const headless = await startCollector({ listHead: { maxRows: 0 }, decode: { threads: 1, inlineMaxBytes: INLINE_MAX_BYTES } });
    try {
      const other = protobufExecution('pool-totals', 120);
      const seen: FlushInfo[] = [];
      headless.store.batcher.onFlush((info) => seen.push(info));
      expect((await postProtobuf(headless.url, headless.apiKey, other.body)).status).toBe(200);
      const info = seen.find((each) => each.touched.some(([, id]) => id === other.executionId));
      expect(info?.stepTotals).toBeUndefined();
      expect(info?.opaque).toEqual([[headless.appId, other.executionId]]);
    } finally {
      await headless.close();
    }
  });
});

describe('OTLP/JSON bodies over the whole-parse limit (XRAY_JSON_WHOLE_PARSE_MAX_BYTES)', () => {
  /** Small enough that a 300-step execution is over it, large enough for a 20-step one. */
  const WHOLE_PARSE_MAX_BYTES = 64 * 1024;
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ decode: { threads: 1, inlineMaxBytes: INLINE_MAX_BYTES, jsonWholeParseMaxBytes: WHOLE_PARSE_MAX_BYTES } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** The body with every `name` key written with an escape: JSON.parse reads it alike, the span reader gives up on it. */
  function escapedKeys(json: Buffer): string {
    const text = json.toString('utf8').replaceAll('"name":', '"n\\u0061me":');
    expect(readJsonTraces(Buffer.from(text), () => {})).toBeUndefined();
    return text;
  }

  async function storedSteps(executionId: string): Promise<number> {
    const [row] = await harness.sql<{ n: string }>('SELECT count() AS n FROM steps WHERE app_id = {app:String} AND execution_id = {id:String}', {
      app: harness.appId,
      id: executionId,
    });
    return Number(row.n);
  }

  it('stores a large body in the exporters layout, read span by span in a worker', async () => {
    const { executionId, json } = protobufExecution('whole-parse-streamed', 300);
    expect(json.length).toBeGreaterThan(WHOLE_PARSE_MAX_BYTES);
    expect((await postJson(harness.url, harness.apiKey, json.toString('utf8'))).status).toBe(200);
    expect(await storedSteps(executionId)).toBe(300);
  });

  it('refuses a large body in another layout with a 413 naming the limit, stores none of it, and stores the next request', async () => {
    const { executionId, json } = protobufExecution('whole-parse-refused', 300);
    const reply = await postJson(harness.url, harness.apiKey, escapedKeys(json));
    expect(reply.status).toBe(413);
    expect(reply.headers.get('x-xray-error-code')).toBe('XRAY_ERR_OTLP_BODY_TOO_LARGE');
    expect(reply.text).toContain(`is over ${WHOLE_PARSE_MAX_BYTES} bytes (XRAY_JSON_WHOLE_PARSE_MAX_BYTES)`);
    expect(await storedSteps(executionId)).toBe(0);

    // Under the limit (and over the inline size: a worker decodes it), the same layout is parsed whole and stored.
    const small = protobufExecution('whole-parse-small', 20);
    const text = escapedKeys(small.json);
    expect(text.length).toBeGreaterThan(INLINE_MAX_BYTES);
    expect(text.length).toBeLessThan(WHOLE_PARSE_MAX_BYTES);
    expect((await postJson(harness.url, harness.apiKey, text)).status).toBe(200);
    expect(await storedSteps(small.executionId)).toBe(20);
  });

  it('refuses a large body that is not JSON with a 400 saying where it breaks', async () => {
    const { json } = protobufExecution('whole-parse-broken', 300);
    const text = json.toString('utf8');
    const at = text.indexOf('"spans":') + '"spans":'.length;
    const reply = await postJson(harness.url, harness.apiKey, `${text.slice(0, at)}]${text.slice(at)}`);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('x-xray-error-code')).toBe('XRAY_ERR_OTLP_DECODE');
    expect(reply.text).toContain(`request body is not valid JSON: unexpected ']' at offset ${at}`);
  });
});
