/**
 * Group commit against the real collector and engine: an accepted ingest
 * request is announced to the insert batcher from its headers until its rows
 * are handed over or the request ends, so waiting rows are held for
 * companions only while some are on their way (store/insert-batcher.ts).
 *
 * The batch wait here (2 s) is longer than the store timeout (1.5 s): a
 * request held for companions that never come would be answered 503, so
 * every 200 below shows that no request waited for a request that was not
 * coming. (With none on its way, a lane still keeps its inserts the batch
 * wait apart, so each test starts once the lanes have been idle that long.)
 * A request is held on its way by sending its headers and only part of its
 * body (node:http), then finishing, refusing or abandoning it.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlushInfo } from '../../src/store/index.js';
import { startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

/** A POST /v1/traces whose body is sent in two halves, the second when the test says. */
function heldRequest(harness: Harness, body: Buffer) {
  const request = http.request(`${harness.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': harness.apiKey, 'content-length': String(body.length) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
  });
  request.flushHeaders();
  request.write(body.subarray(0, 8));
  return {
    answered,
    finish: () => request.end(body.subarray(8)),
    abandon: () => request.destroy(),
  };
}

const BATCH_WAIT_MILLIS = 2_000;
/** Long enough that no lane's last insert started within the batch wait. */
const lanesIdle = () => new Promise((resolve) => setTimeout(resolve, BATCH_WAIT_MILLIS + 100));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each<BackendKind>(['embedded', 'server'])('group commit (%s backend)', (backend) => {
  let harness: Harness;
  const flushes: FlushInfo[] = [];
  /** The inserts that wrote a row of this execution. */
  const insertsOf = (executionId: string) => flushes.filter((flush) => flush.touched.some(([, id]) => id === executionId));
  const execution = (steps = 2) => {
    const spans = executionSpans({ pipeline: 'group-commit', steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}` })) });
    return { id: spans.executionId, body: jsonRequest([spans.root, ...spans.steps]) };
  };
  /** `xray_ingest_requests_arriving` as /metrics reports it. */
  const arrivingOnMetrics = async () => {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('xray_ingest_requests_arriving '));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const storedSteps = async (executionId: string) =>
    Number((await harness.sql<{ n: string }>('SELECT count() AS n FROM steps WHERE execution_id = {id:String}', { id: executionId }))[0].n);

  beforeAll(async () => {
    harness = await startCollector({ backend, batch: { maxWaitMillis: BATCH_WAIT_MILLIS }, storeTimeoutMillis: 1_500 });
    harness.store.batcher.onFlush((info) => flushes.push(info));
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('writes a lone request at once instead of holding it for companions', async () => {
    const lone = execution(3);
    expect((await postJson(harness.url, harness.apiKey, lone.body)).status).toBe(200);
    expect(await storedSteps(lone.id)).toBe(3);
    expect(harness.store.batcher.writesOnTheirWay).toBe(0);
  });

  it('holds rows while another request is on its way, then writes both in one insert', async () => {
    await lanesIdle();
    const slow = execution();
    const quick = execution();
    const held = heldRequest(harness, Buffer.from(slow.body));
    await until(() => harness.store.batcher.writesOnTheirWay === 1, 'the held request is announced');
    expect(await arrivingOnMetrics()).toBe(1);
    const quickAnswer = postJson(harness.url, harness.apiKey, quick.body);
    await until(() => harness.store.batcher.pendingRows > 0, "the quick request's rows wait in the batcher");
    expect(insertsOf(quick.id)).toEqual([]);
    held.finish();
    expect(await held.answered).toBe(200);
    expect((await quickAnswer).status).toBe(200);
    const [insert] = insertsOf(quick.id);
    expect(insert.requests).toBe(2);
    expect(insertsOf(slow.id)).toEqual([insert]);
    expect(await storedSteps(quick.id)).toBe(2);
    expect(await storedSteps(slow.id)).toBe(2);
    expect(await arrivingOnMetrics()).toBe(0);
  });

  it('writes what waits as soon as the request it waited for is refused', async () => {
    await lanesIdle();
    const quick = execution();
    const held = heldRequest(harness, Buffer.from('{"resourceSpans": [ this is not JSON'));
    await until(() => harness.store.batcher.writesOnTheirWay === 1, 'the held request is announced');
    const quickAnswer = postJson(harness.url, harness.apiKey, quick.body);
    await until(() => harness.store.batcher.pendingRows > 0, "the quick request's rows wait in the batcher");
    held.finish();
    expect(await held.answered).toBe(400);
    expect((await quickAnswer).status).toBe(200);
    expect(insertsOf(quick.id).map((insert) => insert.requests)).toEqual([1]);
    expect(harness.store.batcher.writesOnTheirWay).toBe(0);
  });

  it('writes what waits as soon as the request it waited for is abandoned', async () => {
    await lanesIdle();
    const quick = execution();
    const held = heldRequest(harness, Buffer.from(execution().body));
    await until(() => harness.store.batcher.writesOnTheirWay === 1, 'the held request is announced');
    const quickAnswer = postJson(harness.url, harness.apiKey, quick.body);
    await until(() => harness.store.batcher.pendingRows > 0, "the quick request's rows wait in the batcher");
    held.abandon();
    await held.answered.catch(() => undefined);
    expect((await quickAnswer).status).toBe(200);
    expect(await storedSteps(quick.id)).toBe(2);
    await until(() => harness.store.batcher.writesOnTheirWay === 0, 'the abandoned request is no longer counted');
  });

  it('never counts a refused request as on its way', async () => {
    const refused = await postJson(harness.url, 'xr_not_a_real_key_0000000000', execution().body);
    expect(refused.status).toBe(401);
    const unsupported = await postJson(harness.url, harness.apiKey, '{"resourceSpans": []', { 'content-type': 'text/plain' });
    expect(unsupported.status).toBe(415);
    expect(harness.store.batcher.writesOnTheirWay).toBe(0);
  });
});
