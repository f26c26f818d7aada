/**
 * `xray.score()` of the SDK against a real collector and a real embedded
 * ClickHouse: a score sent after the execution is stored and listed; every
 * failure (unknown execution, a read-only key, bad input, no collector) comes
 * back as a result, never as an exception.
 */
import { createServer } from 'node:net';
import { XRay } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../support/admin-api.js';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';

describe('xray.score()', () => {
  let harness: Harness;
  let xray: XRay;
  let executionId: string;

  beforeAll(async () => {
    harness = await startCollector();
    xray = new XRay({ apiKey: harness.apiKey, endpoint: harness.url, pipeline: 'loan-approval' });
    const execution = xray.startExecution();
    execution.recordStep({ name: 'decide', output: { approved: false } });
    execution.completeExecution();
    executionId = execution.executionId;
    expect(await xray.flush()).toMatchObject({ failed: 0 });
  });
  afterAll(async () => {
    await xray?.shutdown();
    await harness?.close();
  });

  it('stores a score for an execution the client sent, listed by the API', async () => {
    const result = await xray.score(executionId, { name: 'correct', value: false, comment: 'should approve', author: 'alice' });
    expect(result).toMatchObject({ ok: true });
    const { body } = await getJson(harness, `/api/v1/executions/${executionId}/scores`);
    expect(body.scores).toEqual([
      expect.objectContaining({ scoreId: (result as { scoreId: string }).scoreId, name: 'correct', value: false, comment: 'should approve', author: 'alice', pipeline: 'loan-approval' }),
    ]);
  });

  it("reports the collector's refusal as a result", async () => {
    expect(await xray.score('no-such-execution', { name: 'correct', value: true })).toEqual({
      ok: false,
      code: 'XRAY_ERR_NOT_FOUND',
      message: expect.stringContaining('no-such-execution'),
      status: 404,
      retryable: false,
    });
    const readOnly = await adminCall(harness, 'POST', '/apps/default/keys', { scopes: ['read'] });
    const reader = new XRay({ apiKey: readOnly.body.apiKey, endpoint: harness.url });
    expect(await reader.score(executionId, { name: 'correct', value: true })).toMatchObject({ ok: false, code: 'XRAY_ERR_AUTH_SCOPE', status: 403 });
    await reader.shutdown();
  });

  it('refuses bad input before sending and never throws', async () => {
    const before = (await getJson(harness, `/api/v1/executions/${executionId}/scores`)).body.scores.length;
    for (const [id, score] of [
      ['', { name: 'correct', value: true }],
      [executionId, { name: '', value: true }],
      [executionId, { name: 'correct', value: { nested: true } }],
      [executionId, { name: 'correct', value: Number.NaN }],
      [executionId, null],
    ] as [string, any][]) {
      expect(await xray.score(id, score)).toMatchObject({ ok: false, code: 'XRAY_SDK_INVALID_SCORE' });
    }
    // The collector's own validation (a name with a space) also comes back as a result.
    expect(await xray.score(executionId, { name: 'bad name', value: 1 })).toMatchObject({ ok: false, code: 'XRAY_ERR_VALIDATION', status: 400 });
    expect((await getJson(harness, `/api/v1/executions/${executionId}/scores`)).body.scores).toHaveLength(before);
  });

  it('returns a retryable network failure when no collector answers', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const offline = new XRay({ apiKey: harness.apiKey, endpoint: `http://127.0.0.1:${port}` });
    expect(await offline.score(executionId, { name: 'correct', value: true })).toMatchObject({ ok: false, code: 'XRAY_SDK_NETWORK', retryable: true });
    await offline.shutdown();
  });
});
