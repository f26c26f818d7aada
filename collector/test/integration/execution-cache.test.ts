/**
 * The cache of finished executions' detail replies (api/execution-cache.ts)
 * against the real collector, on chDB and through @clickhouse/client: a
 * second read is served from memory (a row written behind the collector's
 * back is not seen), and every write path that changes an execution through
 * the collector makes the next read go to ClickHouse again: a late step, a
 * re-delivered root, a score, a deletion. Apps never share entries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

describe.each(['embedded', 'server'] as const)('finished-execution cache (%s backend)', (backend) => {
  let harness: Harness;
  let keyA: string;
  let keyB: string;

  async function send(key: string, spans: Parameters<typeof jsonRequest>[0]): Promise<void> {
    expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
  }
  const detail = (key: string, id: string) => getJson(harness, `/api/v1/executions/${id}`, key);
  /** Writes a copy of one of the execution's steps straight into ClickHouse: invisible to the cache's invalidation. */
  async function stepBehindTheCollector(appId: string, executionId: string): Promise<void> {
    await harness.store.backend.command(
      `INSERT INTO steps SELECT * REPLACE ('behind0000000000' AS span_id, 'behind' AS name) FROM steps
WHERE app_id = {appId:String} AND execution_id = {executionId:String} LIMIT 1`,
      { appId, executionId },
    );
  }
  const names = (body: any) => body.steps.map((step: { name: string }) => step.name).sort();

  beforeAll(async () => {
    harness = await startCollector({ backend, executionCache: { maxBytes: 1024 * 1024, maxAgeMillis: 0 } });
    keyA = await harness.createApp('cache-a');
    keyB = await harness.createApp('cache-b');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('serves a finished execution read before from memory, and a running one from ClickHouse', async () => {
    const done = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }, { name: 'b' }] });
    await send(keyA, [done.root, ...done.steps]);
    expect(names((await detail(keyA, done.executionId)).body)).toEqual(['a', 'b']);
    await stepBehindTheCollector('cache-a', done.executionId);
    expect(names((await detail(keyA, done.executionId)).body)).toEqual(['a', 'b']);

    const running = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
    running.root.attributes['xray.execution.status'] = 'running';
    await send(keyA, [running.root, ...running.steps]);
    expect(names((await detail(keyA, running.executionId)).body)).toEqual(['a']);
    await stepBehindTheCollector('cache-a', running.executionId);
    expect(names((await detail(keyA, running.executionId)).body)).toEqual(['a', 'behind']);
  });

  it('answers a hit with the bytes and content type of the read that filled it', async () => {
    const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }, { name: 'b' }] });
    await send(keyA, [execution.root, ...execution.steps]);
    const raw = async () => {
      const response = await fetch(`${harness.url}/api/v1/executions/${execution.executionId}`, { headers: { authorization: `Bearer ${keyA}` } });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    };
    const fromClickHouse = await raw();
    await stepBehindTheCollector('cache-a', execution.executionId);
    const fromCache = await raw();
    expect(fromCache).toEqual(fromClickHouse);
    expect(fromClickHouse.type).toBe('application/json; charset=utf-8');
    expect(names(JSON.parse(fromClickHouse.text))).toEqual(['a', 'b']);
  });

  it("never answers another app's key from an app's entry", async () => {
    const mine = executionSpans({ pipeline: 'loan', steps: [{ name: 'a-only' }] });
    await send(keyA, [mine.root, ...mine.steps]);
    expect((await detail(keyA, mine.executionId)).status).toBe(200);
    expect((await detail(keyA, mine.executionId)).status).toBe(200);
    expect((await detail(keyB, mine.executionId)).status).toBe(404);
    // The same execution id in app B: B reads its own rows, and its cache entry is its own.
    const twin = executionSpans({ executionId: mine.executionId, pipeline: 'other', steps: [{ name: 'b-only' }] });
    await send(keyB, [twin.root, ...twin.steps]);
    expect(names((await detail(keyB, mine.executionId)).body)).toEqual(['b-only']);
    expect(names((await detail(keyA, mine.executionId)).body)).toEqual(['a-only']);
    expect(names((await detail(keyB, mine.executionId)).body)).toEqual(['b-only']);
  });

  it('forgets an execution when a late step of it is ingested', async () => {
    const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }, { name: 'b' }, { name: 'late' }] });
    const late = execution.steps.pop()!;
    await send(keyA, [execution.root, ...execution.steps]);
    expect(names((await detail(keyA, execution.executionId)).body)).toEqual(['a', 'b']);
    await stepBehindTheCollector('cache-a', execution.executionId);
    expect(names((await detail(keyA, execution.executionId)).body)).toEqual(['a', 'b']);
    await send(keyA, [late]);
    expect(names((await detail(keyA, execution.executionId)).body)).toEqual(['a', 'b', 'behind', 'late']);
  });

  it('forgets an execution when its root is delivered again', async () => {
    const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
    await send(keyA, [execution.root, ...execution.steps]);
    expect((await detail(keyA, execution.executionId)).body.execution.status).toBe('completed');
    execution.root.attributes['xray.execution.status'] = 'failed';
    execution.root.error = 'reviewed: failed after all';
    await send(keyA, [execution.root]);
    expect((await detail(keyA, execution.executionId)).body.execution.status).toBe('failed');
  });

  it('forgets an execution when it is scored', async () => {
    const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
    await send(keyA, [execution.root, ...execution.steps]);
    expect((await detail(keyA, execution.executionId)).body.scores).toEqual([]);
    const scored = await fetch(`${harness.url}/api/v1/executions/${execution.executionId}/scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: true }),
    });
    expect(scored.status).toBe(201);
    expect((await detail(keyA, execution.executionId)).body.scores.map((s: { name: string }) => s.name)).toEqual(['correct']);
  });

  it('forgets executions deleted one by one or by filter', async () => {
    const one = executionSpans({ pipeline: 'erase-one', steps: [{ name: 'a' }] });
    const filtered = executionSpans({ pipeline: 'erase-many', steps: [{ name: 'a' }] });
    await send(keyA, [one.root, ...one.steps, filtered.root, ...filtered.steps]);
    expect((await detail(keyA, one.executionId)).status).toBe(200);
    expect((await detail(keyA, filtered.executionId)).status).toBe(200);
    expect((await adminCall(harness, 'DELETE', `/apps/cache-a/executions/${one.executionId}`)).status).toBe(200);
    expect((await detail(keyA, one.executionId)).status).toBe(404);
    const erased = await adminCall(harness, 'POST', '/apps/cache-a/executions/delete', { pipeline: 'erase-many' });
    expect(erased.status).toBe(200);
    expect((await detail(keyA, filtered.executionId)).status).toBe(404);
  });
});
