/**
 * The OTLP ingest bad-input suite (issue 7, item 8): well over 100 hostile or
 * malformed requests to /v1/traces (media types, encodings, corrupt and
 * oversized compression, auth headers, invalid protobuf and JSON, spans that
 * cannot be stored, wrong methods and paths), each with its expected status
 * and code, answered in the request's own format. All of it runs while a
 * second app sends valid executions without pause; that app must get only
 * 200s and lose nothing.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportTraceServiceResponse } from '../../src/otlp/proto-schema.js';
import { decodeProtobufStatus } from '../support/otlp-status.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, jsonSpan, newSpanId, newTraceId, postJson } from '../support/otlp-fixtures.js';
import { fixed64Field, lenField, nestedAttributeField, nestedJsonValue, varint } from '../unit/otlp/fixtures.js';

const MAX_BODY = 256 * 1024;
const DAY_NANOS = 86_400_000_000_000n;

type Format = 'json' | 'protobuf';
type Reply = 'json' | 'protobuf' | 'api';

interface Keys {
  valid: string;
}

interface BadInputCase {
  name: string;
  method?: string;
  path?: string;
  headers: (keys: Keys) => Record<string, string>;
  body?: () => Buffer | string;
  status: number;
  /** The registry code; undefined for a 200. */
  code?: string;
  /** For a 200: how many spans partial_success must report rejected. */
  rejectedSpans?: number;
  reply: Reply;
}

const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

// ---- valid bodies to start from ----------------------------------------

function jsonSpans(count = 2, overrides: Record<string, unknown> = {}): Record<string, unknown>[] {
  const traceId = newTraceId();
  return Array.from({ length: count }, (_, i) => ({
    ...jsonSpan({ traceId, spanId: newSpanId(), name: `suite-${i}`, startMs: Date.now() - 50, durationMs: 1 }),
    ...(i === 0 ? overrides : {}),
  }));
}

function jsonBody(spans: Record<string, unknown>[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'suite' }, spans }] }] });
}

interface ProtoSpanOptions {
  traceId?: Buffer;
  spanId?: Buffer;
  name?: Buffer;
  start?: bigint;
  end?: bigint;
  extra?: Buffer;
}

function protoSpan(options: ProtoSpanOptions = {}): Buffer {
  const start = options.start ?? nowNanos() - 1_000_000n;
  return Buffer.concat([
    lenField(1, options.traceId ?? randomBytes(16)),
    lenField(2, options.spanId ?? randomBytes(8)),
    lenField(5, options.name ?? Buffer.from('suite-span')),
    fixed64Field(7, start),
    fixed64Field(8, options.end ?? start + 1_000n),
    options.extra ?? Buffer.alloc(0),
  ]);
}

/** ExportTraceServiceRequest { resource_spans { scope_spans { spans... } } } */
function protoBody(...spans: Buffer[]): Buffer {
  return lenField(1, lenField(2, Buffer.concat(spans.map((span) => lenField(2, span)))));
}

const validJson = () => jsonBody(jsonSpans());
const validProto = () => protoBody(protoSpan(), protoSpan());
const validBody = (format: Format) => (format === 'json' ? validJson() : validProto());

// ---- headers ------------------------------------------------------------

const MEDIA: Record<Format, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };
const as = (format: Format, extra: Record<string, string> = {}) => (keys: Keys) => ({ 'content-type': MEDIA[format], 'x-api-key': keys.valid, ...extra });

// ---- the cases ------------------------------------------------------------

const FORMATS: Format[] = ['json', 'protobuf'];
const cases: BadInputCase[] = [];

// Media types: 415, answered in JSON (the request's type is the problem).
for (const type of [
  'text/plain',
  'text/json',
  'application/xml',
  'application/grpc',
  'application/grpc+proto',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/x-ndjson',
  'application/jsonl',
  'application/proto',
  '*/*',
  'json',
  'application/json-patch+json',
]) {
  cases.push({
    name: `Content-Type ${type}`,
    headers: (keys) => ({ 'content-type': type, 'x-api-key': keys.valid }),
    body: validJson,
    status: 415,
    code: 'XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE',
    reply: 'json',
  });
}
cases.push({
  name: 'no Content-Type',
  headers: (keys) => ({ 'x-api-key': keys.valid }),
  body: () => Buffer.from(validJson()),
  status: 415,
  code: 'XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE',
  reply: 'json',
});

for (const format of FORMATS) {
  // Content-Encodings other than gzip, deflate, identity: 415.
  for (const encoding of ['br', 'zstd', 'compress', 'x-compress', 'snappy', 'lz4', 'gzip, deflate', 'gzip, gzip']) {
    cases.push({
      name: `${format} with Content-Encoding ${encoding}`,
      headers: as(format, { 'content-encoding': encoding }),
      body: () => validBody(format),
      status: 415,
      code: 'XRAY_ERR_OTLP_UNSUPPORTED_ENCODING',
      reply: format,
    });
  }

  // Corrupt compressed bodies: 400.
  const gzipped = () => gzipSync(Buffer.from(validBody(format)));
  const corrupt: [string, string, () => Buffer][] = [
    ['gzip that is not gzip', 'gzip', () => Buffer.from(validBody(format))],
    ['truncated gzip', 'gzip', () => gzipped().subarray(0, 20)],
    [
      'gzip with a wrong CRC',
      'gzip',
      () => {
        const bytes = Buffer.from(gzipped());
        bytes[bytes.length - 6] ^= 0xff;
        return bytes;
      },
    ],
    ['deflate garbage', 'deflate', () => Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x01])],
    ['x-gzip of random bytes', 'x-gzip', () => randomBytes(64)],
    ['valid gzip of an invalid body', 'gzip', () => gzipSync(Buffer.from(format === 'json' ? '{"resourceSpans":' : '\x0a\x64\x01'))],
  ];
  for (const [name, encoding, body] of corrupt) {
    cases.push({ name: `${format}: ${name}`, headers: as(format, { 'content-encoding': encoding }), body, status: 400, code: 'XRAY_ERR_OTLP_DECODE', reply: format });
  }

  // Too large, as sent or once inflated: 413.
  const padded = () => (format === 'json' ? JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(MAX_BODY) }) : protoBody(protoSpan({ name: Buffer.alloc(MAX_BODY, 0x61) })));
  const tooLarge: [string, Record<string, string>, () => Buffer | string][] = [
    ['an oversize body', {}, padded],
    ['a gzip bomb', { 'content-encoding': 'gzip' }, () => gzipSync(Buffer.from(padded()))],
    ['a zlib deflate bomb', { 'content-encoding': 'deflate' }, () => deflateSync(Buffer.from(padded()))],
    ['a raw deflate bomb', { 'content-encoding': 'deflate' }, () => deflateRawSync(Buffer.alloc(MAX_BODY * 4))],
  ];
  for (const [name, extra, body] of tooLarge) {
    cases.push({ name: `${format}: ${name}`, headers: as(format, extra), body, status: 413, code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE', reply: format });
  }

  // Credentials: 401.
  const auth: [string, Record<string, string>, string][] = [
    ['no key', {}, 'XRAY_ERR_AUTH_MISSING_KEY'],
    ['an empty x-api-key', { 'x-api-key': '' }, 'XRAY_ERR_AUTH_MISSING_KEY'],
    ['"Authorization: Bearer" with no key', { authorization: 'Bearer' }, 'XRAY_ERR_AUTH_MISSING_KEY'],
    ['Basic credentials', { authorization: 'Basic dXNlcjpwYXNz' }, 'XRAY_ERR_AUTH_MISSING_KEY'],
    ['the key in an unknown header', { 'api-key': 'xr_aaaaaaaaaaaaaaaaaaaaaaaaa' }, 'XRAY_ERR_AUTH_MISSING_KEY'],
    ['an unknown well-formed key', { 'x-api-key': `xr_${'a'.repeat(43)}` }, 'XRAY_ERR_AUTH_INVALID_KEY'],
    ['a key too short to be one', { authorization: 'Bearer xr_short' }, 'XRAY_ERR_AUTH_INVALID_KEY'],
    ['a key with a foreign prefix', { 'x-api-key': 'sk_live_0123456789abcdef0123' }, 'XRAY_ERR_AUTH_INVALID_KEY'],
  ];
  for (const [name, headers, code] of auth) {
    cases.push({ name: `${format}: ${name}`, headers: () => ({ 'content-type': MEDIA[format], ...headers }), body: () => validBody(format), status: 401, code, reply: format });
  }
}

// Invalid protobuf: 400.
const badProtobuf: [string, () => Buffer][] = [
  ['a length past the end', () => Buffer.from([0x0a, 100, 1, 2, 3])],
  ['a tag varint longer than 5 bytes', () => Buffer.concat([Buffer.alloc(6, 0xff), Buffer.from([0x01])])],
  ['field number 0', () => Buffer.from([0x02, 0x00])],
  ['a group that never ends', () => Buffer.from([0x0b])],
  ['an end-group with no start', () => Buffer.from([0x0c])],
  ['wire type 6', () => Buffer.from([0x0e, 0x00])],
  ['wire type 7', () => Buffer.from([0x0f, 0x00])],
  ['a truncated fixed64 start time', () => protoBody(Buffer.concat([lenField(1, randomBytes(16)), Buffer.from([0x39, 1, 2])]))],
  ['attributes nested 33 levels deep', () => protoBody(protoSpan({ extra: nestedAttributeField(33) }))],
  ['invalid UTF-8 in a span name', () => protoBody(protoSpan({ name: Buffer.from([0x61, 0xff, 0xfe]) }))],
  ['a UTF-8-encoded surrogate in a span name', () => protoBody(protoSpan({ name: Buffer.from([0xed, 0xa0, 0x80]) }))],
  ['JSON sent as protobuf', () => Buffer.from(validJson())],
  ['a scope_spans length past its parent', () => lenField(1, Buffer.concat([varint((2 << 3) | 2), varint(200), Buffer.alloc(4)]))],
];
for (const [name, body] of badProtobuf) {
  cases.push({ name: `protobuf: ${name}`, headers: as('protobuf'), body, status: 400, code: 'XRAY_ERR_OTLP_DECODE', reply: 'protobuf' });
}

// Invalid OTLP/JSON: 400.
const withFirstSpan = (change: (span: Record<string, unknown>) => void) => () => {
  const spans = jsonSpans();
  change(spans[0]);
  return jsonBody(spans);
};
const badJson: [string, () => string | Buffer][] = [
  ['invalid JSON', () => '{"resourceSpans": ['],
  ['an empty body', () => ''],
  ['null', () => 'null'],
  ['an array', () => '[]'],
  ['a string', () => '"resourceSpans"'],
  ['a number', () => '42'],
  ['resourceSpans as an object', () => '{"resourceSpans":{}}'],
  ['resourceSpans as a string', () => '{"resourceSpans":"all"}'],
  ['scopeSpans as a number', () => '{"resourceSpans":[{"scopeSpans":7}]}'],
  ['a null span', () => '{"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]}'],
  ['a numeric traceId', withFirstSpan((s) => (s.traceId = 42))],
  ['a start time of "soon"', withFirstSpan((s) => (s.startTimeUnixNano = 'soon'))],
  ['a negative end time', withFirstSpan((s) => (s.endTimeUnixNano = -1))],
  ['a fractional end time', withFirstSpan((s) => (s.endTimeUnixNano = 1.5))],
  ['a start time above 2^64', withFirstSpan((s) => (s.startTimeUnixNano = '18446744073709551616'))],
  ['kind as an enum name', withFirstSpan((s) => (s.kind = 'SPAN_KIND_SERVER'))],
  ['attributes as an object', withFirstSpan((s) => (s.attributes = { a: 1 }))],
  ['an attribute value that is a bare number', withFirstSpan((s) => (s.attributes = [{ key: 'a', value: 1 }]))],
  ['an intValue of "x"', withFirstSpan((s) => (s.attributes = [{ key: 'a', value: { intValue: 'x' } }]))],
  ['a doubleValue of "abc"', withFirstSpan((s) => (s.attributes = [{ key: 'a', value: { doubleValue: 'abc' } }]))],
  ['a bytesValue that is not base64', withFirstSpan((s) => (s.attributes = [{ key: 'a', value: { bytesValue: '***' } }]))],
  ['attributes nested 33 levels deep', withFirstSpan((s) => (s.attributes = [{ key: 'deep', value: nestedJsonValue(33) }]))],
  [
    '5 000 invalid attributes',
    () => JSON.stringify({ resourceSpans: [{ resource: { attributes: Array.from({ length: 5_000 }, (_, i) => ({ key: `k${i}`, value: { intValue: 'x' } })) } }] }),
  ],
  ['bytes that are not UTF-8', () => Buffer.concat([Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}]}]}')])],
  ['a status code that is a string', withFirstSpan((s) => (s.status = { code: 'ERROR' }))],
  ['events as a string', withFirstSpan((s) => (s.events = 'none'))],
];
for (const [name, body] of badJson) {
  cases.push({ name: `JSON: ${name}`, headers: as('json'), body, status: 400, code: 'XRAY_ERR_OTLP_DECODE', reply: 'json' });
}

// Well-formed requests with spans that cannot be stored: 200 with partial_success.
const old = () => nowNanos() - 40n * DAY_NANOS;
const year2200 = BigInt(Date.UTC(2200, 0, 1)) * 1_000_000n;
const partial: [string, () => string][] = [
  ['an all-zero traceId', withFirstSpan((s) => (s.traceId = '0'.repeat(32)))],
  ['a 15-byte traceId', withFirstSpan((s) => (s.traceId = 'ab'.repeat(15)))],
  ['a spanId that is not hex', withFirstSpan((s) => (s.spanId = 'zz'.repeat(8)))],
  ['an all-zero spanId', withFirstSpan((s) => (s.spanId = '0'.repeat(16)))],
  ['a 4-byte parentSpanId', withFirstSpan((s) => (s.parentSpanId = 'abcdabcd'))],
  ['no start time', withFirstSpan((s) => delete s.startTimeUnixNano)],
  ['an end before the start', withFirstSpan((s) => (s.endTimeUnixNano = '1'))],
  ['a lone surrogate in the name', withFirstSpan((s) => (s.name = 'x\ud800'))],
  ['a lone surrogate in an attribute key', withFirstSpan((s) => (s.attributes = [{ key: '\udc00', value: { stringValue: 'v' } }]))],
  ['a lone surrogate in a nested attribute value', withFirstSpan((s) => (s.attributes = [{ key: 'k', value: { arrayValue: { values: [{ stringValue: '\ud83d' }] } } }]))],
  ['a span dated 2200', withFirstSpan((s) => ((s.startTimeUnixNano = year2200.toString()), (s.endTimeUnixNano = year2200.toString())))],
  ['times near 2^64', withFirstSpan((s) => ((s.startTimeUnixNano = (2n ** 64n - 2n).toString()), (s.endTimeUnixNano = (2n ** 64n - 1n).toString())))],
  ['a span older than the retention', withFirstSpan((s) => ((s.startTimeUnixNano = old().toString()), (s.endTimeUnixNano = (old() + 1n).toString())))],
  ['a span ending two hours ahead', withFirstSpan((s) => (s.endTimeUnixNano = (nowNanos() + 7_200_000_000_000n).toString()))],
  ['an execution id of 257 characters', withFirstSpan((s) => (s.attributes = [{ key: 'xray.execution.id', value: { stringValue: 'e'.repeat(257) } }]))],
  [
    'spans on 11 distinct days',
    () => {
      const spans = jsonSpans(11);
      spans.forEach((span, day) => {
        const start = nowNanos() - BigInt(day) * DAY_NANOS;
        span.startTimeUnixNano = start.toString();
        span.endTimeUnixNano = (start + 1n).toString();
      });
      return jsonBody(spans);
    },
  ],
];
for (const [name, body] of partial) {
  cases.push({ name: `JSON: ${name}`, headers: as('json'), body, status: 200, rejectedSpans: 1, reply: 'json' });
}
const partialProtobuf: [string, () => Buffer][] = [
  ['an all-zero traceId', () => protoBody(protoSpan({ traceId: Buffer.alloc(16) }), protoSpan())],
  ['a 15-byte traceId', () => protoBody(protoSpan({ traceId: randomBytes(15) }), protoSpan())],
  ['a 9-byte spanId', () => protoBody(protoSpan({ spanId: randomBytes(9) }), protoSpan())],
  ['an end before the start', () => protoBody(protoSpan({ start: nowNanos(), end: nowNanos() - 10_000_000n }), protoSpan())],
  ['a span from 1970', () => protoBody(protoSpan({ start: 1_000n, end: 2_000n }), protoSpan())],
  ['a span dated 2200', () => protoBody(protoSpan({ start: year2200, end: year2200 + 1n }), protoSpan())],
  ['a span older than the retention', () => protoBody(protoSpan({ start: old(), end: old() + 1n }), protoSpan())],
];
for (const [name, body] of partialProtobuf) {
  cases.push({ name: `protobuf: ${name}`, headers: as('protobuf'), body, status: 200, rejectedSpans: 1, reply: 'protobuf' });
}

// Unusual but valid: 200, nothing rejected.
const fine: [string, (keys: Keys) => Record<string, string>, () => Buffer | string][] = [
  ['Content-Type with a charset', (k) => ({ 'content-type': 'application/json; charset=utf-8', 'x-api-key': k.valid }), validJson],
  ['an upper-case Content-Type', (k) => ({ 'content-type': 'APPLICATION/JSON', 'x-api-key': k.valid }), validJson],
  ['application/protobuf', (k) => ({ 'content-type': 'application/protobuf', 'x-api-key': k.valid }), validProto],
  ['Content-Encoding identity', as('json', { 'content-encoding': 'identity' }), validJson],
  ['Content-Encoding GZIP in capitals', as('protobuf', { 'content-encoding': 'GZIP' }), () => gzipSync(validProto())],
  ['Content-Encoding x-gzip', as('json', { 'content-encoding': 'x-gzip' }), () => gzipSync(validJson())],
  ['raw deflate', as('json', { 'content-encoding': 'deflate' }), () => deflateRawSync(validJson())],
  ['an empty protobuf request', as('protobuf'), () => Buffer.alloc(0)],
  ['an empty JSON object', as('json'), () => '{}'],
  ['a lower-case bearer scheme', (k) => ({ 'content-type': 'application/json', authorization: `bearer ${k.valid}` }), validJson],
  ['snake_case JSON keys', as('json'), () => validJson().replaceAll('"traceId"', '"trace_id"').replaceAll('"resourceSpans"', '"resource_spans"')],
];
for (const [name, headers, body] of fine) {
  cases.push({ name: `valid: ${name}`, headers, body, status: 200, rejectedSpans: 0, reply: name.includes('protobuf') || name.includes('GZIP') ? 'protobuf' : 'json' });
}

// Methods and paths that are not the OTLP route: 404 in the API's error shape.
for (const [method, path] of [
  ['GET', '/v1/traces'],
  ['PUT', '/v1/traces'],
  ['DELETE', '/v1/traces'],
  ['PATCH', '/v1/traces'],
  ['POST', '/v1/logs'],
  ['POST', '/v1/metrics'],
  ['POST', '/v1/trace'],
  ['POST', '/v2/traces'],
]) {
  cases.push({
    name: `${method} ${path}`,
    method,
    path,
    headers: as('json'),
    body: method === 'GET' ? undefined : validJson,
    status: 404,
    code: 'XRAY_ERR_ROUTE_NOT_FOUND',
    reply: 'api',
  });
}

// ---- the run --------------------------------------------------------------

interface SteadyTraffic {
  stop(): Promise<{ statuses: number[]; executionIds: string[] }>;
}

/** Valid executions from another app, sent back to back by a few senders until stopped. */
function startSteadyTraffic(harness: Harness, apiKey: string, senders = 3): SteadyTraffic {
  let running = true;
  const statuses: number[] = [];
  const executionIds: string[] = [];
  const loops = Array.from({ length: senders }, async () => {
    while (running) {
      const execution = executionSpans({ pipeline: 'steady', steps: [{ name: 'one' }, { name: 'two' }] });
      const reply = await postJson(harness.url, apiKey, jsonRequest([execution.root, ...execution.steps]));
      statuses.push(reply.status);
      if (reply.status === 200) executionIds.push(execution.executionId);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { statuses, executionIds };
    },
  };
}

async function send(harness: Harness, testCase: BadInputCase, keys: Keys) {
  const response = await fetch(`${harness.url}${testCase.path ?? '/v1/traces'}`, {
    method: testCase.method ?? 'POST',
    headers: testCase.headers(keys),
    body: testCase.body?.(),
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('POST /v1/traces bad-input suite, with another app sending all along', () => {
  let harness: Harness;
  let keys: Keys;
  let steady: SteadyTraffic;

  beforeAll(async () => {
    harness = await startCollector({ maxBodyBytes: MAX_BODY, maxFutureSkewSeconds: 600 });
    keys = { valid: await harness.createApp('suite-sender') };
    steady = startSteadyTraffic(harness, await harness.createApp('suite-steady'));
  });
  afterAll(async () => {
    await steady?.stop();
    await harness?.close();
  });

  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const reply = await send(harness, testCase, keys);
    expect(reply.status).toBe(testCase.status);
    if (testCase.status === 200) {
      expect(reply.headers.get('x-xray-error-code')).toBeNull();
      const partial =
        testCase.reply === 'protobuf'
          ? (ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(reply.bytes), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } })
              .partialSuccess
          : (JSON.parse(reply.bytes.toString('utf8')) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } }).partialSuccess;
      expect(Number(partial?.rejectedSpans ?? 0)).toBe(testCase.rejectedSpans);
      if (testCase.rejectedSpans) expect(partial?.errorMessage).toMatch(/\S/);
      return;
    }
    expect(reply.headers.get('x-xray-error-code')).toBe(testCase.code);
    expect(reply.headers.get('retry-after')).toBeNull(); // none of these is worth retrying
    if (testCase.reply === 'protobuf') {
      expect(reply.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
      expect(decodeProtobufStatus(reply.bytes).message).toMatch(new RegExp(`^${testCase.code}: \\S`));
    } else if (testCase.reply === 'json') {
      expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
      const status = JSON.parse(reply.bytes.toString('utf8'));
      expect(typeof status.code).toBe('number');
      expect(status.message).toMatch(new RegExp(`^${testCase.code}: \\S`));
    } else {
      expect(JSON.parse(reply.bytes.toString('utf8')).error).toMatchObject({ code: testCase.code, retryable: false });
    }
  });

  it("lost nothing of the other app's traffic and answered it only 200", async () => {
    const { statuses, executionIds } = await steady.stop();
    expect(statuses.length).toBeGreaterThan(cases.length / 10); // it really ran alongside
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await harness.store.batcher.drain();
    const stored = await harness.sql<{ n: number; steps: number }>(
      "SELECT uniqExact(execution_id) AS n, (SELECT count() FROM steps FINAL WHERE app_id = 'suite-steady') AS steps FROM executions FINAL WHERE app_id = 'suite-steady'",
    );
    expect(Number(stored[0].n)).toBe(executionIds.length);
    expect(Number(stored[0].steps)).toBe(2 * executionIds.length);
    // And nothing of the bad app's rejected data landed anywhere.
    const foreign = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE app_id = 'suite-steady' AND name NOT IN ('one', 'two')");
    expect(Number(foreign[0].n)).toBe(0);
  });
});
