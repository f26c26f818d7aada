/**
 * Cost and token analytics against a real collector with a price table and
 * a real embedded ClickHouse (and through @clickhouse/client): executions
 * sent by the real SDK with gen_ai usage, some with a reported cost, some
 * without (estimated at ingest from the price table, stored as such), some
 * with a model the table does not price (left without a cost). Totals per
 * execution in the list and the detail; GET /api/v1/stats/cost per
 * pipeline, model and provider, filtered, never counting a re-delivered
 * request twice and never another app's usage.
 */
import { XRay } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

const priceTable = {
  models: [
    { model: 'gpt-4o*', inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 },
    { model: 'gpt-4o-mini', provider: 'openai', inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 },
  ],
};

describe.each(['embedded', 'server'] as const)('cost analytics (%s backend)', (backend) => {
  let harness: Harness;
  let keyB: string;
  let loanId: string;
  let triageId: string;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

  async function sendWithSdk(apiKey: string, pipeline: string, steps: Parameters<ReturnType<XRay['startExecution']>['recordStep']>[0][]): Promise<string> {
    const xray = new XRay({ apiKey, endpoint: harness.url, pipeline });
    const execution = xray.startExecution();
    for (const step of steps) execution.recordStep(step);
    execution.completeExecution();
    expect(await xray.flush()).toMatchObject({ failed: 0 });
    await xray.shutdown();
    return execution.executionId;
  }

  beforeAll(async () => {
    harness = await startCollector({ backend, priceTable });
    keyB = await harness.createApp('cost-b');
    loanId = await sendWithSdk(harness.apiKey, 'loan', [
      // No cost: estimated from "gpt-4o*" (the dated name matches the prefix).
      { name: 'extract', model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 1000, outputTokens: 500 },
      // A reported cost is kept as is.
      { name: 'judge', model: 'claude-x', provider: 'anthropic', inputTokens: 100, outputTokens: 10, costUsd: 0.02 },
      { name: 'rules' },
      // A model the table does not price: tokens counted, no cost.
      { name: 'local', model: 'llama-local', provider: 'self', inputTokens: 10, outputTokens: 10 },
    ]);
    // The exact "gpt-4o-mini" entry naming the provider wins over the "gpt-4o*" prefix.
    triageId = await sendWithSdk(harness.apiKey, 'triage', [{ name: 'classify', model: 'gpt-4o-mini', provider: 'openai', inputTokens: 2000, outputTokens: 1000 }]);
    // Another app's usage, under the same pipeline and model names.
    await sendWithSdk(keyB, 'loan', [{ name: 'extract', model: 'gpt-4o', provider: 'openai', inputTokens: 9_000_000, outputTokens: 1, costUsd: 99 }]);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('stores an estimated cost where a priced model has tokens and no cost, marked as estimated', async () => {
    const rows = await harness.sql<{ name: string; cost_usd: number; cost_source: string }>(
      "SELECT name, cost_usd, cost_source FROM steps FINAL WHERE app_id = 'default' AND execution_id IN ({a:String}, {b:String}) ORDER BY name",
      { a: loanId, b: triageId },
    );
    const byName = Object.fromEntries(rows.map((row) => [row.name, { cost: Number(row.cost_usd), source: row.cost_source }]));
    expect(byName.extract.cost).toBeCloseTo(0.0075, 10);
    expect(byName.extract.source).toBe('estimated');
    expect(byName.judge).toEqual({ cost: 0.02, source: 'reported' });
    expect(byName.local).toEqual({ cost: 0, source: '' });
    expect(byName.rules).toEqual({ cost: 0, source: '' });
    expect(byName.classify.cost).toBeCloseTo(0.0009, 10);
    expect(byName.classify.source).toBe('estimated');
  });

  it('estimates the cost of a request large enough to be decoded in a worker thread, as on the request path', async () => {
    // Well above the 64 KiB a request is decoded inline under: its spans are mapped in a decode worker.
    const filler = Array.from({ length: 300 }, (_, index) => ({ name: `score_${index}`, input: { note: 'x'.repeat(500), index } }));
    // In an app of its own, so the other cases' totals stay as they are.
    const bigKey = await harness.createApp('cost-bulk');
    const bigId = await sendWithSdk(bigKey, 'bulk', [...filler, { name: 'summarize', model: 'gpt-4o', provider: 'openai', inputTokens: 4000, outputTokens: 200 }]);
    const [row] = await harness.sql<{ cost_usd: number; cost_source: string }>(
      "SELECT cost_usd, cost_source FROM steps FINAL WHERE app_id = 'cost-bulk' AND execution_id = {id:String} AND name = 'summarize'",
      { id: bigId },
    );
    expect(row.cost_source).toBe('estimated');
    expect(Number(row.cost_usd)).toBeCloseTo(0.012, 10);
  });

  it("totals each execution's tokens and cost in the list and the detail, and marks each step's cost source", async () => {
    const { body: list } = await getJson(harness, '/api/v1/executions?pipeline=loan');
    expect(list.executions).toHaveLength(1);
    const listed = list.executions[0];
    expect(listed).toMatchObject({ executionId: loanId, inputTokens: 1110, outputTokens: 520 });
    expect(listed.costUsd).toBeCloseTo(0.0275, 10);
    expect(listed.estimatedCostUsd).toBeCloseTo(0.0075, 10);

    const { status, body } = await getJson(harness, `/api/v1/executions/${loanId}`);
    expect(status).toBe(200);
    expect(body.execution).toMatchObject({ inputTokens: 1110, outputTokens: 520 });
    expect(body.execution.costUsd).toBeCloseTo(0.0275, 10);
    expect(body.execution.estimatedCostUsd).toBeCloseTo(0.0075, 10);
    expect(body.steps.map((s: { name: string; costSource: string }) => [s.name, s.costSource])).toEqual([
      ['extract', 'estimated'],
      ['judge', 'reported'],
      ['rules', ''],
      ['local', ''],
    ]);
  });

  it('answers tokens and cost over time per model, pipeline and provider, for the caller’s app only', async () => {
    const byModel = (await getJson(harness, `/api/v1/stats/cost?groupBy=model&from=${hourAgo}&interval=1d`)).body;
    expect(byModel.groupBy).toBe('model');
    expect(byModel.series.map((s: { key: string }) => s.key)).toEqual(['claude-x', 'gpt-4o-2024-08-06', 'gpt-4o-mini', 'llama-local']);
    const mini = byModel.series.find((s: { key: string }) => s.key === 'gpt-4o-mini');
    expect(mini.totals).toMatchObject({ inputTokens: 2000, outputTokens: 1000, steps: 1 });
    expect(mini.totals.costUsd).toBeCloseTo(0.0009, 10);
    expect(mini.totals.estimatedCostUsd).toBeCloseTo(0.0009, 10);
    expect(mini.points).toHaveLength(1);
    expect(Date.parse(mini.points[0].time)).toBeGreaterThanOrEqual(Date.parse(hourAgo));
    // App B's 9M tokens and $99 are not here.
    expect(byModel.totals).toMatchObject({ inputTokens: 3110, outputTokens: 1520, steps: 4 });
    expect(byModel.totals.costUsd).toBeCloseTo(0.0284, 10);
    expect(byModel.totals.estimatedCostUsd).toBeCloseTo(0.0084, 10);

    const byPipeline = (await getJson(harness, `/api/v1/stats/cost?from=${hourAgo}`)).body;
    expect(byPipeline.groupBy).toBe('pipeline');
    const pipelines = Object.fromEntries(byPipeline.series.map((s: { key: string; totals: { inputTokens: number } }) => [s.key, s.totals.inputTokens]));
    expect(pipelines).toEqual({ loan: 1110, triage: 2000 });

    const byProvider = (await getJson(harness, `/api/v1/stats/cost?groupBy=provider&pipeline=loan&from=${hourAgo}`)).body;
    const providers = Object.fromEntries(byProvider.series.map((s: { key: string; totals: { costUsd: number } }) => [s.key, s.totals.costUsd]));
    expect(Object.keys(providers).sort()).toEqual(['anthropic', 'openai', 'self']);
    expect(providers.anthropic).toBeCloseTo(0.02, 10);
    expect(providers.openai).toBeCloseTo(0.0075, 10);

    const oneModel = (await getJson(harness, `/api/v1/stats/cost?groupBy=pipeline&model=claude-x&from=${hourAgo}`)).body;
    expect(oneModel.series).toEqual([expect.objectContaining({ key: 'loan', totals: expect.objectContaining({ inputTokens: 100, steps: 1 }) })]);

    const b = (await getJson(harness, `/api/v1/stats/cost?groupBy=model&from=${hourAgo}`, keyB)).body;
    expect(b.series.map((s: { key: string }) => s.key)).toEqual(['gpt-4o']);
    expect(b.totals).toMatchObject({ inputTokens: 9_000_000, costUsd: 99, estimatedCostUsd: 0 });
  });

  it('counts a re-delivered request once, and a step stored without its pipeline under its execution’s', async () => {
    const keyC = await harness.createApp(`cost-c-${backend}`);
    const e = executionSpans({ pipeline: 'redelivered', steps: [{ name: 'llm' }] });
    Object.assign(e.steps[0].attributes!, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 2 });
    const body = jsonRequest([e.root, ...e.steps]);
    expect((await postJson(harness.url, keyC, body)).status).toBe(200);
    expect((await postJson(harness.url, keyC, body)).status).toBe(200);
    // A step sent alone, without xray.pipeline, then its root in a request of its own.
    const orphan = executionSpans({ pipeline: 'late-root', steps: [{ name: 'llm' }] });
    delete orphan.steps[0].attributes!['xray.pipeline'];
    Object.assign(orphan.steps[0].attributes!, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 7 });
    expect((await postJson(harness.url, keyC, jsonRequest(orphan.steps))).status).toBe(200);
    expect((await postJson(harness.url, keyC, jsonRequest([orphan.root]))).status).toBe(200);

    const stats = (await getJson(harness, `/api/v1/stats/cost?from=${hourAgo}`, keyC)).body;
    const pipelines = Object.fromEntries(stats.series.map((s: { key: string; totals: { inputTokens: number; steps: number } }) => [s.key, s.totals]));
    expect(pipelines).toEqual({
      redelivered: expect.objectContaining({ inputTokens: 40, outputTokens: 2, steps: 1 }),
      'late-root': expect.objectContaining({ inputTokens: 7, steps: 1 }),
    });
    expect(pipelines.redelivered.costUsd).toBeCloseTo((40 * 2.5 + 2 * 10) / 1e6, 12);
    const filtered = (await getJson(harness, `/api/v1/stats/cost?groupBy=model&pipeline=late-root&from=${hourAgo}`, keyC)).body;
    expect(filtered.totals).toMatchObject({ inputTokens: 7, steps: 1 });
    const listed = (await getJson(harness, '/api/v1/executions?pipeline=redelivered', keyC)).body.executions;
    expect(listed).toEqual([expect.objectContaining({ inputTokens: 40, outputTokens: 2 })]);
  });

  it('refuses a bad groupBy, interval or unknown parameter with XRAY_ERR_VALIDATION naming it', async () => {
    for (const [query, words] of [
      ['groupBy=team', 'pipeline, model, provider'],
      ['interval=5s', 'at least 1m'],
      ['colour=red', 'colour'],
      ['from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z', 'must be before'],
    ] as const) {
      const { status, body } = await getJson(harness, `/api/v1/stats/cost?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('XRAY_ERR_VALIDATION');
      expect(body.error.message, query).toContain(words);
    }
  });
});
