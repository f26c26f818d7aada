/**
 * Scores against a real collector and a real embedded ClickHouse: scoring an
 * execution and a step, the list, the executions-list filter (the latest
 * score wins), the aggregate over time per pipeline, scopes, and bad input;
 * on chDB and through @clickhouse/client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../../support/admin-api.js';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

type Execution = ReturnType<typeof executionSpans>;

async function postScore(harness: Harness, executionId: string, body: unknown, apiKey = harness.apiKey) {
  const response = await fetch(`${harness.url}/api/v1/executions/${encodeURIComponent(executionId)}/scores`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe.each(['embedded', 'server'] as const)('scores (%s backend)', (backend) => {
  let harness: Harness;
  const executions: Execution[] = [];
  const dayMs = 86_400_000;
  const today = Math.floor(Date.now() / dayMs) * dayMs;

  beforeAll(async () => {
    harness = await startCollector({ backend });
    // Two executions of "loan" today, one yesterday, one of "fraud" today.
    const specs = [
      { pipeline: 'loan', startMs: today + 1000 },
      { pipeline: 'loan', startMs: today + 2000 },
      { pipeline: 'loan', startMs: today - dayMs + 1000 },
      { pipeline: 'fraud', startMs: today + 3000 },
    ];
    for (const spec of specs) {
      const execution = executionSpans({ ...spec, steps: [{ name: 'decide' }, { name: 'explain' }] });
      executions.push(execution);
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('scores an execution with a boolean, a number and a label, and lists them oldest first', async () => {
    const id = executions[0].executionId;
    const first = await postScore(harness, id, { name: 'correct', value: false, comment: 'wrong tier', author: 'alice', time: '2026-01-01T00:00:00Z' });
    expect(first.status).toBe(201);
    expect(first.body.score).toMatchObject({ executionId: id, name: 'correct', kind: 'boolean', value: false, comment: 'wrong tier', author: 'alice', pipeline: 'loan', stepSpanId: null, time: '2026-01-01T00:00:00.000Z' });
    expect((await postScore(harness, id, { name: 'quality', value: 0.25 })).status).toBe(201);
    const label = await postScore(harness, id, { name: 'verdict', value: 'too-strict', stepSpanId: executions[0].steps[1].spanId });
    expect(label.status).toBe(201);
    expect(label.body.score.author).toMatch(/^key:xr_/);

    const { status, body } = await getJson(harness, `/api/v1/executions/${id}/scores`);
    expect(status).toBe(200);
    expect(body.scores.map((s: any) => [s.name, s.kind, s.value, s.stepSpanId])).toEqual([
      ['correct', 'boolean', false, null],
      ['quality', 'numeric', 0.25, null],
      ['verdict', 'categorical', 'too-strict', executions[0].steps[1].spanId],
    ]);
    const rows = await harness.sql<{ app_id: string; pipeline: string }>('SELECT DISTINCT app_id, pipeline FROM scores WHERE execution_id = {id:String}', { id });
    expect(rows).toEqual([{ app_id: 'default', pipeline: 'loan' }]);
  });

  it('answers 404 for an execution or a step this app does not have, and stores nothing', async () => {
    const missing = await postScore(harness, 'no-such-execution', { name: 'correct', value: true });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    const step = await postScore(harness, executions[1].executionId, { name: 'correct', value: true, stepSpanId: '0123456789abcdef' });
    expect(step.status).toBe(404);
    expect(step.body.error.message).toContain('0123456789abcdef');
    expect((await getJson(harness, '/api/v1/executions/no-such-execution/scores')).status).toBe(404);
    expect(await getJson(harness, `/api/v1/executions/${executions[1].executionId}/scores`)).toEqual({ status: 200, body: { scores: [] } });
  });

  it('refuses bad scores with XRAY_ERR_VALIDATION and the field at fault', async () => {
    const id = executions[1].executionId;
    const cases: [unknown, string][] = [
      [{ value: true }, 'name'],
      [{ name: 'correct' }, 'value'],
      [{ name: 'correct', value: { nested: 1 } }, 'value'],
      [{ name: 'correct', value: '' }, 'value'],
      [{ name: 'bad name', value: 1 }, 'name'],
      [{ name: 'correct', value: 1, extra: 1 }, 'extra'],
      [{ name: 'correct', value: 1, stepSpanId: 'xyz' }, 'stepSpanId'],
      [{ name: 'correct', value: 1, time: Date.now() + 2 * 3_600_000 }, 'time'],
      [{ name: 'correct', value: 1, comment: 'x'.repeat(5000) }, 'comment'],
    ];
    for (const [body, field] of cases) {
      const reply = await postScore(harness, id, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('XRAY_ERR_VALIDATION');
      expect(reply.body.error.message).toContain(field);
    }
    expect((await postScore(harness, id, '{not json')).status).toBe(400);
    expect(await getJson(harness, `/api/v1/executions/${id}/scores`)).toEqual({ status: 200, body: { scores: [] } });
  });

  it('filters the executions list by the latest score of a name', async () => {
    const [a, b] = executions;
    expect((await postScore(harness, b.executionId, { name: 'correct', value: true })).status).toBe(201);
    const ids = async (query: string) => {
      const { status, body } = await getJson(harness, `/api/v1/executions?${query}`);
      expect(status, JSON.stringify(body)).toBe(200);
      return body.executions.map((e: { executionId: string }) => e.executionId);
    };
    expect(await ids('score.correct=false')).toEqual([a.executionId]);
    expect(await ids('score.correct=true')).toEqual([b.executionId]);
    expect(await ids('score.quality=0.25&score.correct=false')).toEqual([a.executionId]);
    expect(await ids('score.quality=0.250')).toEqual([a.executionId]);
    expect(await ids('score.verdict=too-strict&pipeline=fraud')).toEqual([]);
    // A later judgement replaces the earlier one in filters; the list keeps both.
    expect((await postScore(harness, a.executionId, { name: 'correct', value: true, author: 'bob' })).status).toBe(201);
    expect(await ids('score.correct=false')).toEqual([]);
    expect((await ids('score.correct=true')).sort()).toEqual([a.executionId, b.executionId].sort());
    const listed = await getJson(harness, `/api/v1/executions/${a.executionId}/scores`);
    expect(listed.body.scores.filter((s: any) => s.name === 'correct').map((s: any) => s.value)).toEqual([false, true]);

    const unknown = await getJson(harness, '/api/v1/executions?scores.correct=false');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('scores.correct');
  });

  it('aggregates a score per pipeline and day: executions scored, share of true, counts per value', async () => {
    const [, , yesterday, fraud] = executions;
    expect((await postScore(harness, yesterday.executionId, { name: 'correct', value: false })).status).toBe(201);
    expect((await postScore(harness, fraud.executionId, { name: 'correct', value: false })).status).toBe(201);
    const from = new Date(today - dayMs).toISOString();
    const to = new Date(today + dayMs).toISOString();
    const { status, body } = await getJson(harness, `/api/v1/stats/scores?name=correct&interval=1d&from=${from}&to=${to}`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.name).toBe('correct');
    expect(body.intervalSeconds).toBe(86_400);
    const byPipeline = Object.fromEntries(body.series.map((s: any) => [s.pipeline, s.points]));
    expect(byPipeline.loan).toEqual([
      { time: new Date(today - dayMs).toISOString(), scored: 1, average: 0, values: { false: 1 } },
      { time: new Date(today).toISOString(), scored: 2, average: 1, values: { true: 2 } },
    ]);
    expect(byPipeline.fraud).toEqual([{ time: new Date(today).toISOString(), scored: 1, average: 0, values: { false: 1 } }]);

    const quality = await getJson(harness, `/api/v1/stats/scores?name=quality&interval=1d&from=${from}&to=${to}&pipeline=loan`);
    expect(quality.body.series).toEqual([{ pipeline: 'loan', points: [{ time: new Date(today).toISOString(), scored: 1, average: 0.25, values: {} }] }]);
    const missingName = await getJson(harness, '/api/v1/stats/scores');
    expect(missingName.status).toBe(400);
    expect(missingName.body.error.code).toBe('XRAY_ERR_VALIDATION');
  });

  it('needs the ingest scope to score and the read scope to read scores', async () => {
    const readOnly = await adminCall(harness, 'POST', '/apps/default/keys', { scopes: ['read'] });
    const ingestOnly = await adminCall(harness, 'POST', '/apps/default/keys', { scopes: ['ingest'] });
    const id = executions[1].executionId;
    const refused = await postScore(harness, id, { name: 'correct', value: true }, readOnly.body.apiKey);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('XRAY_ERR_AUTH_SCOPE');
    expect(refused.body.error.message).toContain('"ingest"');
    expect((await postScore(harness, id, { name: 'by-service', value: 1 }, ingestOnly.body.apiKey)).status).toBe(201);
    const cannotRead = await getJson(harness, `/api/v1/executions/${id}/scores`, ingestOnly.body.apiKey);
    expect(cannotRead.status).toBe(403);
    expect((await getJson(harness, `/api/v1/executions/${id}/scores`, readOnly.body.apiKey)).status).toBe(200);
  });
});

describe.each(['embedded', 'server'] as const)('scores in the execution detail (%s backend)', (backend) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ backend });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('lists the latest score of each name with how many there are, and none for an unscored execution', async () => {
    const scored = executionSpans({ pipeline: 'loan', steps: [{ name: 'decide' }] });
    const unscored = executionSpans({ pipeline: 'loan', steps: [{ name: 'decide' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([scored.root, ...scored.steps, unscored.root, ...unscored.steps]))).status).toBe(200);
    const id = scored.executionId;
    // Sent out of order: the latest by its time wins, not the last sent.
    expect((await postScore(harness, id, { name: 'correct', value: true, author: 'bob', time: '2026-01-02T00:00:00Z' })).status).toBe(201);
    expect((await postScore(harness, id, { name: 'correct', value: false, author: 'alice', time: '2026-01-01T00:00:00Z' })).status).toBe(201);
    expect((await postScore(harness, id, { name: 'correct', value: false, author: 'carol', time: '2026-01-03T00:00:00Z', comment: 'tier' })).status).toBe(201);
    expect((await postScore(harness, id, { name: 'quality', value: 0.5, stepSpanId: scored.steps[0].spanId })).status).toBe(201);

    const { status, body } = await getJson(harness, `/api/v1/executions/${id}`);
    expect(status).toBe(200);
    expect(body.scores).toEqual([
      expect.objectContaining({ name: 'correct', kind: 'boolean', value: false, author: 'carol', comment: 'tier', time: '2026-01-03T00:00:00.000Z', stepSpanId: null, count: 3 }),
      expect.objectContaining({ name: 'quality', kind: 'numeric', value: 0.5, stepSpanId: scored.steps[0].spanId, count: 1 }),
    ]);
    expect((await getJson(harness, `/api/v1/executions/${unscored.executionId}`)).body.scores).toEqual([]);
    // Another app sees neither the execution nor its scores.
    const other = await harness.createApp(`scores-detail-${backend}`);
    expect((await getJson(harness, `/api/v1/executions/${id}`, other)).status).toBe(404);
  });

  it('takes the one sent last as the latest of scores with the same time, in the detail and the list filter', async () => {
    // A score corrected with the time of the decision it judges: the correction must win, not a coin toss.
    const time = '2026-01-05T00:00:00Z';
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      const execution = executionSpans({ pipeline: 'same-time', steps: [{ name: 'decide' }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      for (const value of ['approve', 'reject', 'review']) {
        expect((await postScore(harness, execution.executionId, { name: 'verdict', value, time })).status).toBe(201);
      }
      sent.push(execution.executionId);
    }
    for (const id of sent) {
      expect((await getJson(harness, `/api/v1/executions/${id}`)).body.scores).toEqual([expect.objectContaining({ name: 'verdict', value: 'review', count: 3 })]);
    }
    const listed = await getJson(harness, `/api/v1/executions?${new URLSearchParams({ pipeline: 'same-time', 'score.verdict': 'review', limit: '50' })}`);
    expect(listed.body.executions.map((e: { executionId: string }) => e.executionId).sort()).toEqual([...sent].sort());
    const rejected = await getJson(harness, `/api/v1/executions?${new URLSearchParams({ pipeline: 'same-time', 'score.verdict': 'reject', limit: '50' })}`);
    expect(rejected.body.executions).toEqual([]);
  });
});
