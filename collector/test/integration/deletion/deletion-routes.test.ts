/**
 * Deletion against a real collector and a real embedded ClickHouse: one
 * execution, executions matching a filter (a business-key attribute, a
 * pipeline and time range, every version of a root sent again under another
 * pipeline), a whole app with its keys. Every read (list,
 * detail, step search, scores, statistics from raw rows and from the
 * rollups) stops showing the deleted data at once; other data, of the same
 * app and of other apps, stays. Run on chDB and through @clickhouse/client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../support/admin-api.js';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

type Execution = ReturnType<typeof executionSpans>;

describe.each(['embedded', 'server'] as const)('deletion (%s backend)', (backend) => {
  let harness: Harness;
  let keyA: string;
  let keyB: string;
  const now = Date.now();

  async function send(key: string, options: Parameters<typeof executionSpans>[0], attributes: Record<string, string> = {}): Promise<Execution> {
    const execution = executionSpans(options);
    execution.root.attributes = { ...execution.root.attributes, ...attributes };
    expect((await postJson(harness.url, key, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    return execution;
  }
  async function score(key: string, executionId: string): Promise<void> {
    const response = await fetch(`${harness.url}/api/v1/executions/${executionId}/scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: false }),
    });
    expect(response.status).toBe(201);
  }
  const listed = async (key: string, query = '') =>
    (await getJson(harness, `/api/v1/executions?limit=500${query}`, key)).body.executions.map((e: { executionId: string }) => e.executionId);
  const failedInRollup = async (key: string, pipeline: string) => {
    const { body } = await getJson(harness, `/api/v1/stats/failure-rate?pipeline=${pipeline}&interval=1d&from=${now - 86_400_000}`, key);
    return body.series.flatMap((s: any) => s.points).reduce((sum: number, p: any) => sum + p.failed, 0);
  };

  beforeAll(async () => {
    harness = await startCollector({ backend });
    keyA = await harness.createApp('erase-a');
    keyB = await harness.createApp('erase-b');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('deletes one execution with its steps and scores, seen by every read at once, and nothing else', async () => {
    const gone = await send(keyA, { pipeline: 'loan', failed: true, startMs: now - 5000, steps: [{ name: 'rule-x', failed: true, reasoning: 'gadzookery' }] });
    const kept = await send(keyA, { pipeline: 'loan', failed: true, startMs: now - 5000, steps: [{ name: 'rule-x', failed: true, reasoning: 'gadzookery' }] });
    // App B has an execution with the same id: it must survive.
    const twin = await send(keyB, { executionId: gone.executionId, pipeline: 'loan', steps: [{ name: 'b-step' }] });
    await score(keyA, gone.executionId);
    expect(await failedInRollup(keyA, 'loan')).toBe(2);

    const reply = await adminCall(harness, 'DELETE', `/apps/erase-a/executions/${gone.executionId}`);
    expect(reply).toEqual({ status: 200, body: { deleted: { executions: 1, steps: 1, scores: 1 } } });

    expect((await getJson(harness, `/api/v1/executions/${gone.executionId}`, keyA)).status).toBe(404);
    expect((await getJson(harness, `/api/v1/executions/${gone.executionId}/scores`, keyA)).status).toBe(404);
    expect(await listed(keyA)).toEqual([kept.executionId]);
    expect(await listed(keyA, '&score.correct=false')).toEqual([]);
    const steps = await getJson(harness, '/api/v1/steps?q=gadzookery', keyA);
    expect(steps.body.steps.map((s: { executionId: string }) => s.executionId)).toEqual([kept.executionId]);
    expect((await getJson(harness, '/api/v1/stats/summary?pipeline=loan', keyA)).body.executions).toBe(1);
    expect(await failedInRollup(keyA, 'loan')).toBe(1);
    const top = await getJson(harness, '/api/v1/stats/top-failing-steps', keyA);
    expect(top.body.steps).toEqual([expect.objectContaining({ name: 'rule-x', total: 1, failed: 1 })]);
    const b = await getJson(harness, `/api/v1/executions/${twin.executionId}`, keyB);
    expect(b.body.steps.map((s: { name: string }) => s.name)).toEqual(['b-step']);

    const again = await adminCall(harness, 'DELETE', `/apps/erase-a/executions/${gone.executionId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
  });

  it('deletes the executions whose attribute has a value (an erasure request), and those of a pipeline in a time range', async () => {
    const alice1 = await send(keyA, { pipeline: 'kyc', startMs: now - 4000, steps: [{ name: 'check' }] }, { 'customer.id': 'alice' });
    const alice2 = await send(keyA, { pipeline: 'fraud', startMs: now - 3000, steps: [{ name: 'check' }] }, { 'customer.id': 'alice' });
    const bob = await send(keyA, { pipeline: 'kyc', startMs: now - 2000, steps: [{ name: 'check' }] }, { 'customer.id': 'bob' });
    const otherApp = await send(keyB, { pipeline: 'kyc', startMs: now - 2000, steps: [{ name: 'check' }] }, { 'customer.id': 'alice' });

    // Webhook events about alice's and bob's executions (an execution.failed event carries the error message).
    const created = Date.now();
    const event = (eventId: string, executionIds: string[]) => ({
      appId: 'erase-a', webhookId: 'wh_a', eventId, eventType: 'execution.failed', pipeline: 'kyc', conditionKey: '', executionIds,
      body: JSON.stringify({ executionIds, errorMessage: 'applicant alice rejected' }), status: 'delivered' as const, attempts: 1,
      nextAttemptAtMillis: 0, lastAttemptAtMillis: created, lastStatusCode: 204, lastError: '', createdAtMillis: created, deliveredAtMillis: created,
    });
    await harness.xray.webhooks.routeOptions.repository.saveDeliveries([event('evt_alice', [alice1.executionId]), event('evt_bob', [bob.executionId])]);
    const erased = await adminCall(harness, 'POST', '/apps/erase-a/executions/delete', { attribute: { key: 'customer.id', value: 'alice' } });
    expect(erased).toEqual({ status: 200, body: { deleted: { executions: 2, steps: 2, scores: 0 } } });
    const remaining = await listed(keyA);
    expect(remaining).toContain(bob.executionId);
    expect(remaining).not.toContain(alice1.executionId);
    expect(remaining).not.toContain(alice2.executionId);
    expect(await listed(keyB)).toContain(otherApp.executionId);
    const stored = await harness.sql<{ n: string }>(
      "SELECT toString(count()) AS n FROM steps WHERE execution_id IN ({a:String}, {b:String})",
      { a: alice1.executionId, b: alice2.executionId },
    );
    expect(stored[0].n).toBe('0');
    // The business-key index held alice's key values: erased with her executions, bob's kept.
    const keyRows = await harness.sql<{ key_value: string }>(
      "SELECT DISTINCT key_value FROM business_key_index WHERE app_id = 'erase-a' AND key_value LIKE 'customer.id=%' ORDER BY key_value",
    );
    expect(keyRows.map((row) => row.key_value)).toEqual(['customer.id=bob']);
    const events = await harness.sql<{ event_id: string }>("SELECT event_id FROM webhook_deliveries WHERE app_id = 'erase-a' ORDER BY event_id");
    expect(events.map((row) => row.event_id)).toEqual(['evt_bob']);

    const old = await send(keyA, { pipeline: 'batch', startMs: now - 3_600_000, steps: [{ name: 'run' }] });
    const recent = await send(keyA, { pipeline: 'batch', startMs: now - 1000, steps: [{ name: 'run' }] });
    const ranged = await adminCall(harness, 'POST', '/apps/erase-a/executions/delete', {
      pipeline: 'batch',
      from: new Date(now - 7_200_000).toISOString(),
      to: now - 60_000,
    });
    expect(ranged.body.deleted).toEqual({ executions: 1, steps: 1, scores: 0 });
    const batch = await listed(keyA, '&pipeline=batch');
    expect(batch).toEqual([recent.executionId]);
    expect(batch).not.toContain(old.executionId);
    const none = await adminCall(harness, 'POST', '/apps/erase-a/executions/delete', { pipeline: 'no-such-pipeline' });
    expect(none.body.deleted).toEqual({ executions: 0, steps: 0, scores: 0 });
  });

  it('deletes every version of an execution a filter matched: a root sent again under another pipeline leaves nothing behind', async () => {
    // Two versions of one root are two rows only until a merge of their day folds them into the newest
    // (ReplacingMergeTree): the test holds merges off so both are stored when the filter runs. A
    // lightweight DELETE is a mutation, which still runs (SYSTEM STOP MERGES would stop it too).
    await harness.store.backend.command('ALTER TABLE executions MODIFY SETTING min_parts_to_merge_at_once = 1000');
    try {
      await deletesEveryVersion();
    } finally {
      await harness.store.backend.command('ALTER TABLE executions RESET SETTING min_parts_to_merge_at_once');
    }
  });

  async function deletesEveryVersion(): Promise<void> {
    const moved = await send(keyA, { pipeline: 'moving', failed: true, startMs: now - 6000, steps: [{ name: 'score' }] });
    const stays = await send(keyA, { pipeline: 'moved', startMs: now - 6000, steps: [{ name: 'score' }] });
    // The same root again, now under pipeline `moved` and completed: its newest version.
    const again = executionSpans({ executionId: moved.executionId, pipeline: 'moved', startMs: now - 6000, steps: [{ name: 'score' }] });
    again.root.traceId = moved.root.traceId;
    again.root.spanId = moved.root.spanId;
    expect((await postJson(harness.url, keyA, jsonRequest([again.root]))).status).toBe(200);
    expect(await listed(keyA, '&pipeline=moved')).toEqual(expect.arrayContaining([moved.executionId, stays.executionId]));
    const versions = await harness.sql<{ pipeline: string }>(
      "SELECT pipeline FROM executions WHERE app_id = 'erase-a' AND execution_id = {id:String} ORDER BY inserted_at",
      { id: moved.executionId },
    );
    expect(versions.map((row) => row.pipeline)).toEqual(['moving', 'moved']);

    const erased = await adminCall(harness, 'POST', '/apps/erase-a/executions/delete', { pipeline: 'moving' });
    expect(erased).toEqual({ status: 200, body: { deleted: { executions: 1, steps: 1, scores: 0 } } });
    // No root of it is left without its steps, under either pipeline; the other execution stays.
    const rows = await harness.sql<{ table: string; n: string }>(
      `SELECT 'executions' AS table, toString(count()) AS n FROM executions WHERE app_id = 'erase-a' AND execution_id = {id:String}
UNION ALL SELECT 'steps' AS table, toString(count()) AS n FROM steps WHERE app_id = 'erase-a' AND execution_id = {id:String}`,
      { id: moved.executionId },
    );
    expect(Object.fromEntries(rows.map((row) => [row.table, row.n]))).toEqual({ executions: '0', steps: '0' });
    expect(await listed(keyA, '&pipeline=moved')).toEqual([stays.executionId]);
    expect((await getJson(harness, `/api/v1/executions/${moved.executionId}`, keyA)).status).toBe(404);
    // The rollups of both pipelines it was counted under are rebuilt without it.
    const { body } = await getJson(harness, `/api/v1/stats/failure-rate?pipeline=moved&interval=1d&from=${now - 86_400_000}`, keyA);
    expect(body.series.flatMap((series: any) => series.points).reduce((sum: number, point: any) => sum + point.executions, 0)).toBe(1);
    expect(await failedInRollup(keyA, 'moving')).toBe(0);
  }

  it('refuses an empty or bad filter, unknown apps and app keys, deleting nothing', async () => {
    const before = await listed(keyA);
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/apps/erase-a/executions/delete', {}, 400, 'XRAY_ERR_VALIDATION'],
      ['POST', '/apps/erase-a/executions/delete', { from: now - 1000 }, 400, 'XRAY_ERR_VALIDATION'],
      ['POST', '/apps/erase-a/executions/delete', { from: now, to: now - 1000 }, 400, 'XRAY_ERR_VALIDATION'],
      ['POST', '/apps/erase-a/executions/delete', { attribute: { key: 'customer.id' } }, 400, 'XRAY_ERR_VALIDATION'],
      ['POST', '/apps/erase-a/executions/delete', { pipeline: 'kyc', status: 'failed' }, 400, 'XRAY_ERR_VALIDATION'],
      ['POST', '/apps/no-such-app/executions/delete', { pipeline: 'kyc' }, 404, 'XRAY_ERR_NOT_FOUND'],
      ['DELETE', '/apps/no-such-app', undefined, 404, 'XRAY_ERR_NOT_FOUND'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const reply = await adminCall(harness, method, path, body);
      expect(reply.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(reply.body.error.code).toBe(code);
    }
    const withAppKey = await fetch(`${harness.url}/api/v1/admin/apps/erase-a`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } });
    expect(withAppKey.status).toBe(403);
    expect(await listed(keyA)).toEqual(before);
  });

  it('deletes a whole app: its keys stop working at once, its rows are gone, other apps keep theirs', async () => {
    const bExecutions = await listed(keyB);
    expect(bExecutions.length).toBeGreaterThan(0);
    const aBefore = await listed(keyA);
    // A webhook of the app with a delivery still pending (its receiver does not exist: it is never reached before the deletion).
    const { repository } = harness.xray.webhooks.routeOptions;
    const created = Date.now();
    await repository.save({
      appId: 'erase-b', webhookId: 'wh_erase', url: 'https://hooks.invalid/x', description: '', conditions: [{ type: 'execution_failed' }],
      secretPrefix: 'whsec_x', sealedSecret: 'sealed', enabled: true, createdAtMillis: created, updatedAtMillis: created,
    });
    await repository.saveDeliveries([{
      appId: 'erase-b', webhookId: 'wh_erase', eventId: 'evt_erase', eventType: 'execution.failed', pipeline: 'p', conditionKey: '',
      executionIds: bExecutions, body: '{}', status: 'pending', attempts: 1, nextAttemptAtMillis: created + 3_600_000, lastAttemptAtMillis: created,
      lastStatusCode: 500, lastError: 'HTTP 500', createdAtMillis: created, deliveredAtMillis: 0,
    }]);
    const reply = await adminCall(harness, 'DELETE', '/apps/erase-b');
    expect(reply.status).toBe(200);
    expect(reply.body.deleted).toEqual({ executions: 2, steps: 2, scores: 0, keys: 1 });

    const read = await getJson(harness, '/api/v1/executions', keyB);
    expect(read.status).toBe(401);
    expect(read.body.error.code).toBe('XRAY_ERR_AUTH_INVALID_KEY');
    const write = await postJson(harness.url, keyB, jsonRequest([]));
    expect(write.status).toBe(401);
    for (const table of ['executions', 'steps', 'scores', 'pipeline_stats_1m', 'step_stats_1h', 'api_keys', 'apps', 'webhooks', 'webhook_deliveries']) {
      const rows = await harness.sql<{ n: string }>(`SELECT toString(count()) AS n FROM ${table} WHERE app_id = 'erase-b'`);
      expect(rows[0].n, table).toBe('0');
    }
    expect((await adminCall(harness, 'GET', '/apps')).body.apps.map((a: { appId: string }) => a.appId)).not.toContain('erase-b');
    expect(await listed(keyA)).toEqual(aBefore);
  });

  it('writes an audit entry for each deletion saying what was deleted: the filter and the counts', async () => {
    await harness.xray.audit.writer.flush();
    const entries = (await adminCall(harness, 'GET', '/audit?limit=200')).body.entries as {
      method: string;
      route: string;
      path: string;
      appId: string;
      actor: string;
      status: number;
      params: { body?: unknown; reply?: unknown };
    }[];
    const deletions = entries.filter((e) => e.status === 200 && (e.method === 'DELETE' || e.route.endsWith('/executions/delete')));
    const byFilter = deletions.find((e) => JSON.stringify(e.params.body) === JSON.stringify({ attribute: { key: 'customer.id', value: 'alice' } }));
    expect(byFilter).toMatchObject({ appId: 'erase-a', actor: 'admin', route: '/api/v1/admin/apps/:appId/executions/delete' });
    expect(byFilter!.params.reply).toEqual({ deleted: { executions: 2, steps: 2, scores: 0 } });
    const oneExecution = deletions.find((e) => e.route === '/api/v1/admin/apps/:appId/executions/:executionId');
    expect(oneExecution).toMatchObject({ appId: 'erase-a', params: { reply: { deleted: { executions: 1, steps: 1, scores: 1 } } } });
    const app = deletions.find((e) => e.route === '/api/v1/admin/apps/:appId');
    expect(app).toMatchObject({ appId: 'erase-b', params: { reply: { deleted: { executions: 2, steps: 2, scores: 0, keys: 1 } } } });
    // A refused deletion is recorded with its status and no reply.
    const refused = entries.find((e) => e.status === 400 && e.route.endsWith('/executions/delete'));
    expect(refused?.params.reply).toBeUndefined();
  });
});
