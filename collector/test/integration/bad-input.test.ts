/**
 * Bad OTLP requests get the right status, a google.rpc.Status body in the
 * request's own content type and a stable code, and never disturb valid
 * traffic sent at the same time.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtobufStatus } from '../support/otlp-status.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, newSpanId, postJson } from '../support/otlp-fixtures.js';

const MAX_BODY = 256 * 1024;

async function post(harness: Harness, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${harness.url}/v1/traces`, { method: 'POST', headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes };
}

describe('POST /v1/traces with bad input', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const json = (h: Harness, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', 'x-api-key': h.apiKey, ...extra });
  const proto = (h: Harness, extra: Record<string, string> = {}) => ({ 'content-type': 'application/x-protobuf', 'x-api-key': h.apiKey, ...extra });

  const cases: {
    name: string;
    send: (h: Harness) => Promise<{ status: number; headers: Headers; bytes: Buffer }>;
    status: number;
    code: string;
    format: 'json' | 'protobuf';
  }[] = [
    {
      name: 'truncated protobuf',
      // A length-delimited field that claims 100 bytes and has 3.
      send: (h) => post(h, Buffer.from([0x0a, 100, 1, 2, 3]), proto(h)),
      status: 400,
      code: 'XRAY_ERR_OTLP_DECODE',
      format: 'protobuf',
    },
    { name: 'invalid JSON', send: (h) => post(h, '{"resourceSpans": [', json(h)), status: 400, code: 'XRAY_ERR_OTLP_DECODE', format: 'json' },
    {
      name: 'JSON with wrong types',
      send: (h) => post(h, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 42 }] }] }] }), json(h)),
      status: 400,
      code: 'XRAY_ERR_OTLP_DECODE',
      format: 'json',
    },
    {
      name: 'an oversize body',
      send: (h) => post(h, JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(MAX_BODY + 10) }), json(h)),
      status: 413,
      code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE',
      format: 'json',
    },
    {
      name: 'a gzip bomb',
      send: (h) => post(h, gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), json(h, { 'content-encoding': 'gzip' })),
      status: 413,
      code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE',
      format: 'json',
    },
    {
      name: 'corrupt gzip',
      send: (h) => post(h, Buffer.from('definitely not gzip'), json(h, { 'content-encoding': 'gzip' })),
      status: 400,
      code: 'XRAY_ERR_OTLP_DECODE',
      format: 'json',
    },
    {
      name: 'an unknown content encoding',
      send: (h) => post(h, '{}', json(h, { 'content-encoding': 'zstd-ish' })),
      status: 415,
      code: 'XRAY_ERR_OTLP_UNSUPPORTED_ENCODING',
      format: 'json',
    },
    {
      name: 'a wrong media type',
      send: (h) => post(h, 'hello', { 'content-type': 'text/plain', 'x-api-key': h.apiKey }),
      status: 415,
      code: 'XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE',
      format: 'json',
    },
    { name: 'a missing key', send: (h) => post(h, '{}', { 'content-type': 'application/json' }), status: 401, code: 'XRAY_ERR_AUTH_MISSING_KEY', format: 'json' },
    {
      name: 'a wrong key (protobuf)',
      send: (h) => post(h, Buffer.alloc(0), { 'content-type': 'application/x-protobuf', authorization: 'Bearer xr_wrongwrongwrongwrongwrong' }),
      status: 401,
      code: 'XRAY_ERR_AUTH_INVALID_KEY',
      format: 'protobuf',
    },
  ];

  for (const testCase of cases) {
    it(`answers ${testCase.name} with ${testCase.status} ${testCase.code}`, async () => {
      const reply = await testCase.send(harness);
      expect(reply.status).toBe(testCase.status);
      expect(reply.headers.get('x-xray-error-code')).toBe(testCase.code);
      if (testCase.format === 'json') {
        expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
        const status = JSON.parse(reply.bytes.toString('utf8'));
        expect(status.message).toContain(testCase.code);
        expect(typeof status.code).toBe('number');
      } else {
        expect(reply.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
        expect(decodeProtobufStatus(reply.bytes).message).toContain(testCase.code);
      }
    });
  }

  it('stores the valid spans of a request and reports the invalid ones as partial success', async () => {
    const e = executionSpans({ pipeline: 'partial', steps: [{ name: 'ok-step' }] });
    const bad = { ...e.steps[0], spanId: '0000000000000000', name: 'zero-span-id' };
    const badTrace = { ...e.steps[0], traceId: 'zz', spanId: newSpanId(), name: 'bad-trace-id' };
    const reply = await postJson(harness.url, harness.apiKey, jsonRequest([e.root, e.steps[0], bad, badTrace]));
    expect(reply.status).toBe(200);
    expect(reply.json.partialSuccess).toBeDefined();
    expect(Number(reply.json.partialSuccess.rejectedSpans)).toBe(2);
    expect(reply.json.partialSuccess.errorMessage).not.toBe('');
    const { body } = await getJson(harness, `/api/v1/executions/${e.executionId}`);
    expect(body.steps.map((s: { name: string }) => s.name)).toEqual(['ok-step']);
  });

  it('keeps valid traffic intact while bad requests arrive in parallel', async () => {
    const valid = Array.from({ length: 20 }, (_, i) =>
      executionSpans({ pipeline: 'parallel-valid', steps: [{ name: `s${i}` }, { name: 'second' }] }),
    );
    const results = await Promise.all([
      ...valid.map((e) => postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))),
      ...cases.flatMap((testCase) => [testCase.send(harness), testCase.send(harness)]),
    ]);
    expect(results.slice(0, valid.length).map((r) => r.status)).toEqual(valid.map(() => 200));
    const rows = await harness.sql<{ n: number }>(
      "SELECT uniqExact(execution_id) AS n FROM executions FINAL WHERE pipeline = 'parallel-valid'",
    );
    expect(Number(rows[0].n)).toBe(20);
    const steps = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE pipeline = 'parallel-valid'");
    expect(Number(steps[0].n)).toBe(40);
  });

  it('still answers health checks after all of it', async () => {
    const response = await fetch(`${harness.url}/readyz`);
    expect(response.status).toBe(200);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(/xray_spans_rejected_total\{reason="invalid"\} 2/);
    expect(metrics).toMatch(/xray_insert_batches_total|xray_insert_batch_rows_count/);
  });
});
