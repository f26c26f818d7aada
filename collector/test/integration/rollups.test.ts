/**
 * The rollups off the insert path (migration 0170, store/rollups.ts), on a
 * real engine through both backends: ingest stores rows with no view in the
 * way, the stats routes count them at once through the _live views, a pass
 * folds them into the rollups without changing any answer, the watermark
 * never passes an insert still running, and a failed pass loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRollupJob } from '../../src/store/rollups.js';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { metricSample } from '../support/metrics-text.js';

describe.each(['embedded', 'server'] as const)('rollups folded by the job (%s backend)', (backend) => {
  let harness: Harness;
  // Lets a test make the next rollup insert fail, as a lost connection would.
  let failNextRollupInsert = false;
  // The statements the store sends while a test records them.
  let recorded: string[] | undefined;

  beforeAll(async () => {
    harness = await startCollector({
      backend,
      // Passes run only when a test asks (what the tests see before a pass is what readers see between two); this
      // collector is the only writer, so the only bound is its own running inserts.
      rollups: { intervalMillis: 0, lagMillis: 0 },
      wrapBackend: (real) => ({
        ...real,
        kind: real.kind,
        encodedRowsFormat: real.encodedRowsFormat,
        query: (sql, params, options) => {
          recorded?.push(sql);
          return real.query(sql, params, options);
        },
        insert: (table, rows, options) => real.insert(table, rows, options),
        ping: () => real.ping(),
        close: () => real.close(),
        async command(sql, params) {
          if (failNextRollupInsert && sql.startsWith('INSERT INTO step_stats_1h ')) {
            failNextRollupInsert = false;
            throw new Error('connection reset (injected)');
          }
          return real.command(sql, params);
        },
      }),
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function ingest(pipeline: string, runs: { failed: boolean }[]): Promise<void> {
    const spans = runs.flatMap(({ failed }) => {
      const e = executionSpans({ pipeline, failed, steps: [{ name: 'fetch' }, { name: 'decide', failed }] });
      return [e.root, ...e.steps];
    });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans))).status).toBe(200);
  }

  /** What the API answers for `pipeline`: failure-rate totals (hourly and per minute), the failing steps, the catalog. */
  async function answers(pipeline: string) {
    const window = `from=${new Date(Date.now() - 2 * 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const total = async (interval: string) => {
      const { body } = await getJson(harness, `/api/v1/stats/failure-rate?pipeline=${pipeline}&interval=${interval}&${window}`);
      const points = body.series.flatMap((series: { points: { executions: number; failed: number }[] }) => series.points);
      return points.reduce((acc: number[], p: { executions: number; failed: number }) => [acc[0] + p.executions, acc[1] + p.failed], [0, 0]);
    };
    const top = await getJson(harness, `/api/v1/stats/top-failing-steps?pipeline=${pipeline}&${window}`);
    const catalog = await getJson(harness, `/api/v1/pipelines?${window}`);
    return { hourly: await total('1h'), minutely: await total('1m'), top: top.body.steps, listed: catalog.body.pipelines.includes(pipeline) };
  }

  async function inRollups(pipeline: string) {
    const [row] = await harness.sql<{ m: string; h: string; s: string }>(
      `SELECT (SELECT toString(uniqExactMerge(executions)) FROM pipeline_stats_1m WHERE pipeline = {p:String}) AS m,
              (SELECT toString(uniqExactMerge(executions)) FROM pipeline_stats_1h WHERE pipeline = {p:String}) AS h,
              (SELECT toString(uniqExactMerge(steps)) FROM step_stats_1h WHERE pipeline = {p:String}) AS s`,
      { p: pipeline },
    );
    return [Number(row.m), Number(row.h), Number(row.s)];
  }

  /** `pipeline_counts_1h` (migration 0200) for `pipeline`: [executions, failed], its newest count of each hour. */
  async function inCounts(pipeline: string) {
    const [row] = await harness.sql<{ n: string; f: string }>(
      `SELECT toString(sum(executions)) AS n, toString(sum(failed)) AS f FROM pipeline_counts_1h FINAL WHERE pipeline = {p:String}`,
      { p: pipeline },
    );
    return [Number(row.n), Number(row.f)];
  }

  async function watermark(name = 'rollups'): Promise<number> {
    const [row] = await harness.sql<{ t: string }>(
      `SELECT toString(toUnixTimestamp64Milli(max(through))) AS t FROM rollup_progress WHERE name = {name:String}`,
      { name },
    );
    return Number(row.t);
  }

  it('answers from rows not yet folded in, folds them in a pass, and answers the same after it', async () => {
    await ingest('folded', [{ failed: false }, { failed: true }, { failed: false }]);
    const expected = {
      hourly: [3, 1],
      minutely: [3, 1],
      top: [{ pipeline: 'folded', name: 'decide', total: 3, failed: 1, failureRate: 1 / 3 }],
      listed: true,
    };
    // No view runs in the insert any more: the rollups hold nothing of it yet, the answers count it all.
    expect(await inRollups('folded')).toEqual([0, 0, 0]);
    expect(await inCounts('folded')).toEqual([0, 0]);
    expect(await answers('folded')).toEqual(expected);

    const before = await watermark();
    const pass = await harness.store.rollups.run();
    expect(pass.fromMillis).toBe(before);
    expect(pass.throughMillis).toBeGreaterThan(before);
    expect(await watermark()).toBe(pass.throughMillis);
    expect(await watermark('pipeline_counts_1h')).toBe(pass.throughMillis);
    expect(await inRollups('folded')).toEqual([3, 3, 6]);
    // The pass recounted the hour it folded rows into.
    expect(await inCounts('folded')).toEqual([3, 1]);
    expect(await answers('folded')).toEqual(expected);

    // Rows stored after the pass are pending again; a second pass folds them, the first rows once.
    await ingest('folded', [{ failed: true }]);
    // The hour's count does not hold the new row yet: the answer takes that hour from the sets and the pending row.
    expect(await inCounts('folded')).toEqual([3, 1]);
    expect((await answers('folded')).hourly).toEqual([4, 2]);
    await harness.store.rollups.run();
    expect(await inRollups('folded')).toEqual([4, 4, 8]);
    expect(await inCounts('folded')).toEqual([4, 2]);
    expect((await answers('folded')).hourly).toEqual([4, 2]);
  });

  it('counts a re-delivered execution once in the hourly counts, and keeps other pipelines\' hours as they were', async () => {
    await ingest('bystander', [{ failed: true }]);
    await harness.store.rollups.run();
    const e = executionSpans({ pipeline: 'redelivered', failed: true, steps: [{ name: 'decide', failed: true }] });
    const body = jsonRequest([e.root, ...e.steps]);
    for (let i = 0; i < 3; i++) {
      expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);
      await harness.store.rollups.run();
    }
    expect(await inCounts('redelivered')).toEqual([1, 1]);
    expect(await inCounts('bystander')).toEqual([1, 1]);
    expect((await answers('redelivered')).hourly).toEqual([1, 1]);
  });

  it('never moves the watermark past the start of an insert still running', async () => {
    await harness.store.rollups.run();
    const settled = await watermark();
    // An insert that started just after the watermark and has not finished: its rows may not be visible yet.
    const runningSince = settled + 50;
    const job = createRollupJob(harness.store.backend, { intervalMillis: 0, lagMillis: 0, oldestInsertStart: () => runningSince });
    await ingest('held', [{ failed: true }]);
    const pass = await job.run();
    expect(pass.throughMillis).toBe(runningSince);
    expect(await watermark()).toBe(runningSince);
    // Its rows were folded in all the same, and stay pending: counted once either way.
    expect((await answers('held')).hourly).toEqual([1, 1]);
  });

  it('stays lagMillis behind the server clock: rows another collector may still be committing stay pending', async () => {
    await harness.store.rollups.run();
    const settled = await watermark();
    const job = createRollupJob(harness.store.backend, { intervalMillis: 0, lagMillis: 3_600_000 });
    await ingest('lagging', [{ failed: false }]);
    const pass = await job.run();
    // An hour behind the clock is before the watermark: it does not move back, and the rows stay pending.
    expect(pass).toMatchObject({ fromMillis: settled, throughMillis: settled });
    expect(await watermark()).toBe(settled);
    expect((await answers('lagging')).hourly).toEqual([1, 0]);
  });

  it('keeps the watermark when a pass fails, and the next pass folds the same rows', async () => {
    await harness.store.rollups.run();
    await ingest('retried', [{ failed: true }, { failed: false }]);
    const before = await watermark();
    failNextRollupInsert = true;
    await expect(harness.store.rollups.run()).rejects.toThrow('injected');
    expect(await watermark()).toBe(before);
    // The executions rollups got their rows, the step rollup did not: the answers are still exact.
    expect(await inRollups('retried')).toEqual([2, 2, 0]);
    // The pass stopped before recounting: the hour has no count yet, and the answer takes it from the sets.
    expect(await inCounts('retried')).toEqual([0, 0]);
    expect(await answers('retried')).toMatchObject({ hourly: [2, 1], top: [{ name: 'decide', total: 2, failed: 1 }] });

    await harness.store.rollups.run();
    expect(await watermark()).toBeGreaterThan(before);
    expect(await inRollups('retried')).toEqual([2, 2, 4]);
    expect(await inCounts('retried')).toEqual([2, 1]);
    expect(await answers('retried')).toMatchObject({ hourly: [2, 1], top: [{ name: 'decide', total: 2, failed: 1 }] });
  });

  it(`${backend === 'embedded' ? 'reads the rollups alone once a pass folded in every row this process stored' : 'always reads the rows past the watermark: other collectors may be storing rows'}`, async () => {
    await ingest('quiet', [{ failed: true }]);
    expect(harness.store.rollups.pendingSince()).toBe(harness.store.rollups.throughMillis);
    await harness.store.rollups.run();
    // Sole writer, nothing stored since the pass: nothing can be past the watermark.
    if (backend === 'embedded') expect(harness.store.rollups.pendingSince()).toBeUndefined();
    else expect(harness.store.rollups.pendingSince()).toBe(harness.store.rollups.throughMillis);
    expect((await answers('quiet')).hourly).toEqual([1, 1]);
    // A new row makes the pending rows count again, before any pass.
    await ingest('quiet', [{ failed: false }]);
    expect(harness.store.rollups.pendingSince()).toBe(harness.store.rollups.throughMillis);
    expect((await answers('quiet')).hourly).toEqual([2, 1]);
  });

  it('rebuilds the folded buckets of a deleted execution from the rows that remain', async () => {
    const spans = [true, false].map((failed) => executionSpans({ pipeline: 'erased', failed, steps: [{ name: 'fetch' }, { name: 'decide', failed }] }));
    for (const e of spans) expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
    await harness.store.rollups.run();
    expect(await inRollups('erased')).toEqual([2, 2, 4]);
    expect(await inCounts('erased')).toEqual([2, 1]);

    const reply = await adminCall(harness, 'DELETE', `/apps/${harness.appId}/executions/${spans[0].executionId}`);
    expect(reply.status).toBe(200);
    // The rollups themselves, not only the answers: the failed execution and its two steps are gone from them.
    expect(await inRollups('erased')).toEqual([1, 1, 2]);
    expect(await inCounts('erased')).toEqual([1, 0]);
    expect(await answers('erased')).toMatchObject({ hourly: [1, 0], minutely: [1, 0], top: [] });
    await harness.store.rollups.run();
    expect(await inRollups('erased')).toEqual([1, 1, 2]);
  });

  it('writes nothing when nothing was stored since the last pass, and still lets readers skip what it checked', async () => {
    await ingest('idle', [{ failed: false }]);
    await harness.store.rollups.run();
    // The newest row written (merges may collapse the older ones meanwhile).
    const newest = `SELECT toString(max(updated_at)) AS n FROM rollup_progress`;
    const [before] = await harness.sql<{ n: string }>(newest);
    const stored = await watermark();
    const idle = await harness.store.rollups.run();
    const [after] = await harness.sql<{ n: string }>(newest);
    expect(after.n).toBe(before.n);
    expect(await watermark()).toBe(stored);
    // No row at or after the stored watermark: readers may start at the pass's bound.
    expect(idle.throughMillis).toBeGreaterThan(stored);
    expect(await answers('idle')).toMatchObject({ hourly: [1, 0] });
  });

  it(`${backend === 'embedded' ? 'folds without counting the new rows first when it saw its own insert end since the watermark' : 'counts the rows past the watermark before folding: other collectors may have stored them'}`, async () => {
    await harness.store.rollups.run();
    await ingest('busy', [{ failed: true }, { failed: false }]);
    recorded = [];
    try {
      await harness.store.rollups.run();
    } finally {
      const counted = recorded.some((sql) => /SELECT count\(\) FROM executions WHERE inserted_at/.test(sql));
      recorded = undefined;
      expect(counted).toBe(backend === 'server');
    }
    expect(await answers('busy')).toMatchObject({ hourly: [2, 1] });
    const [folded] = await harness.sql<{ n: string }>(
      "SELECT toString(uniqExactMerge(executions)) AS n FROM pipeline_stats_1h WHERE pipeline = 'busy'",
    );
    expect(folded.n).toBe('2');
  });

  it('runs deletions between passes, so a deleted execution does not come back into the rollups', async () => {
    const order: string[] = [];
    const pass = harness.store.rollups.run().then(() => order.push('pass'));
    const work = harness.store.rollups.exclusive(async () => {
      order.push('deletion starts');
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('deletion ends');
    });
    const next = harness.store.rollups.run().then(() => order.push('next pass'));
    await Promise.all([pass, work, next]);
    expect(order).toEqual(['pass', 'deletion starts', 'deletion ends', 'next pass']);
  });
});

describe('the rollup job in a running collector', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ rollups: { intervalMillis: 200, lagMillis: 0 } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const metric = async (series: string) => metricSample(await (await fetch(`${harness.url}/metrics`)).text(), series);

  it('folds what ingest stores on its own, and reports its passes and how far behind the rollups are on /metrics', async () => {
    const e = executionSpans({ pipeline: 'on-its-own', failed: true, steps: [{ name: 'decide', failed: true }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
    const folded = async () => {
      const [row] = await harness.sql<{ n: string }>(`SELECT toString(uniqExactMerge(steps)) AS n FROM step_stats_1h WHERE pipeline = 'on-its-own'`);
      return row.n;
    };
    const deadline = Date.now() + 30_000;
    while ((await folded()) !== '1' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await folded()).toBe('1');
    expect(await metric('xray_rollup_passes_total{outcome="ok"}')).toBeGreaterThan(0);
    expect(await metric('xray_rollup_passes_total{outcome="error"}')).toBeUndefined();
    const behind = await metric('xray_rollup_behind_seconds');
    expect(behind).toBeGreaterThanOrEqual(0);
    expect(behind).toBeLessThan(30);
  });
});
