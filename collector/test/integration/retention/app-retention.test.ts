/**
 * Per-app retention against a real collector and a real embedded ClickHouse:
 * an app set to keep fewer days than the global retention loses its older
 * executions (with steps and scores) at once, other apps and its newer
 * executions stay, and a retention not shorter than the global one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../support/admin-api.js';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

const DAY = 86_400_000;

describe('per-app retention', () => {
  let harness: Harness;
  let keyShort: string;
  let keyOther: string;

  async function send(key: string, startMs: number) {
    const execution = executionSpans({ pipeline: 'kept', startMs, steps: [{ name: 'one' }] });
    expect((await postJson(harness.url, key, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    return execution.executionId;
  }
  const ids = async (key: string) =>
    (await getJson(harness, `/api/v1/executions?from=${Date.now() - 20 * DAY}&limit=500`, key)).body.executions.map((e: any) => e.executionId).sort();

  beforeAll(async () => {
    harness = await startCollector({ retentionDays: 30 });
    keyShort = await harness.createApp('short-lived');
    keyOther = await harness.createApp('long-lived');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('trims the app to its own retention at once and leaves other apps alone', async () => {
    const old = await send(keyShort, Date.now() - 5 * DAY);
    const recent = await send(keyShort, Date.now() - 60_000);
    const otherOld = await send(keyOther, Date.now() - 5 * DAY);
    expect(await adminCall(harness, 'GET', '/apps/short-lived/retention')).toEqual({ status: 200, body: { appId: 'short-lived', days: null, globalDays: 30 } });

    const set = await adminCall(harness, 'PUT', '/apps/short-lived/retention', { days: 2 });
    expect(set).toEqual({ status: 200, body: { appId: 'short-lived', days: 2, globalDays: 30, deleted: 1 } });
    expect(await ids(keyShort)).toEqual([recent]);
    expect(await ids(keyOther)).toEqual([otherOld]);
    const steps = await harness.sql<{ n: string }>('SELECT toString(count()) AS n FROM steps WHERE execution_id = {id:String}', { id: old });
    expect(steps[0].n).toBe('0');
    expect((await adminCall(harness, 'GET', '/apps/short-lived/retention')).body.days).toBe(2);
    // The audit log says what the sweep erased, beside the admin action that set the retention.
    await harness.xray.audit.writer.flush();
    const entries = (await adminCall(harness, 'GET', '/audit?app=short-lived&limit=50')).body.entries;
    const sweep = entries.find((e: { actor: string }) => e.actor === 'retention');
    expect(sweep).toMatchObject({ appId: 'short-lived', method: 'DELETE', route: 'retention-sweep', status: 200, rows: 1 });
    expect(sweep.params.reply).toEqual({ deleted: { executions: 1, steps: 1, scores: 0 } });
    expect(Date.parse(sweep.params.body.to)).toBeLessThan(Date.now() - 2 * DAY + 60_000);
    const put = entries.find((e: { method: string; actor: string }) => e.method === 'PUT' && e.actor === 'admin');
    expect(put.params).toMatchObject({ body: { days: 2 }, reply: { deleted: 1, days: 2 } });

    const reset = await adminCall(harness, 'DELETE', '/apps/short-lived/retention');
    expect(reset.body).toEqual({ appId: 'short-lived', days: null, globalDays: 30 });
    const older = await send(keyShort, Date.now() - 5 * DAY);
    expect(await ids(keyShort)).toEqual([older, recent].sort());
  });

  it('refuses a retention not shorter than the global one, or for an unknown app', async () => {
    for (const days of [30, 31]) {
      const reply = await adminCall(harness, 'PUT', '/apps/short-lived/retention', { days });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('XRAY_ERR_VALIDATION');
      expect(reply.body.error.message).toContain('global retention of 30 days');
    }
    expect((await adminCall(harness, 'PUT', '/apps/short-lived/retention', { days: 0 })).status).toBe(400);
    expect((await adminCall(harness, 'PUT', '/apps/no-such-app/retention', { days: 2 })).status).toBe(404);
    expect((await adminCall(harness, 'GET', '/apps/short-lived/retention')).body.days).toBeNull();
  });
});
