/**
 * Overload is refused before the body is read (issue 7, item 3): while the
 * requests being received already hold XRAY_MAX_INFLIGHT_BYTES, a new request
 * is answered 503 XRAY_ERR_OVERLOADED with Retry-After from its headers alone
 * (its body is never sent here, so an answer proves it was not waited for),
 * in the OTLP status shape; once the bytes are released, requests pass again.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtobufStatus } from '../support/otlp-status.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const MAX_BODY = 1024 * 1024;

/** Starts a POST that announces `contentLength` bytes and sends only its headers. */
function openUpload(url: string, apiKey: string, contentLength: number, type = 'application/json') {
  const target = new URL('/v1/traces', url);
  let request!: ClientRequest;
  const response = new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
    request = httpRequest(
      target,
      { method: 'POST', headers: { 'content-type': type, 'content-length': String(contentLength), 'x-api-key': apiKey } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    request.on('error', reject);
    request.flushHeaders();
  });
  return { request, response };
}

/** Waits until the collector reports `predicate` true of its reserved in-flight bytes. */
async function untilInFlightBytes(harness: Harness, predicate: (bytes: number) => boolean): Promise<void> {
  for (;;) {
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('xray_ingest_inflight_bytes '));
    if (predicate(Number(line?.split(' ')[1]))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('POST /v1/traces under overload', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ maxBodyBytes: MAX_BODY, maxInFlightBytes: MAX_BODY + 100 * 1024 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers 503 + Retry-After before reading a body that does not fit the in-flight budget, then admits requests again', async () => {
    // Holds most of the budget: its body is announced but still "on its way".
    const slow = openUpload(harness.url, harness.apiKey, MAX_BODY);
    await untilInFlightBytes(harness, (bytes) => bytes === MAX_BODY);

    const refused = openUpload(harness.url, harness.apiKey, 500 * 1024, 'application/x-protobuf');
    const reply = await refused.response; // answered although none of its body was sent
    expect(reply.status).toBe(503);
    expect(reply.headers['x-xray-error-code']).toBe('XRAY_ERR_OVERLOADED');
    expect(reply.headers['retry-after']).toBe('2');
    expect(decodeProtobufStatus(reply.body).message).toMatch(/^XRAY_ERR_OVERLOADED: .*XRAY_MAX_INFLIGHT_BYTES/);
    refused.request.destroy();

    // Small requests still fit next to the slow one.
    const small = executionSpans({ pipeline: 'overload-small', steps: [{ name: 's' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([small.root, ...small.steps]))).status).toBe(200);

    // The slow upload ends (here: is abandoned); its bytes return to the budget.
    slow.request.destroy();
    await slow.response.catch(() => undefined);
    await untilInFlightBytes(harness, (bytes) => bytes === 0);
    const after = openUpload(harness.url, harness.apiKey, 500 * 1024);
    after.request.end(Buffer.alloc(500 * 1024, 0x20));
    const answered = await after.response;
    expect(answered.headers['x-xray-error-code']).toBe('XRAY_ERR_OTLP_DECODE'); // read and decoded: blank is not a JSON request
    expect(answered.status).toBe(400);
  });
});
