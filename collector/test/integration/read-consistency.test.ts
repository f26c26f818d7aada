/**
 * What reads promise whatever the write history: the same answer however
 * the data arrived (order independence), each row once however often it was
 * re-delivered (pages and failure rates), from either failure-rate source.
 *
 * Issue 7 item 5: a step's pipeline, environment and position are the same
 * whatever order its spans arrive in and however they are split across
 * requests. Plain OpenTelemetry spans (no X-Ray attributes on the steps, no
 * sequence) are sent to a real collector in several deliveries; every read
 * path must give the same answer as when they arrive together.
 * Runs on both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { jsonRequest, newSpanId, newTraceId, postJson } from '../support/otlp-fixtures.js';
import type { FixtureSpan } from '../support/otlp-fixtures.js';

const STEP_NAMES = ['fetch', 'score', 'decide'];

/** A root declaring its pipeline by attribute (its span name differs) and three unnumbered plain-OTel steps. */
function plainExecution(pipeline: string, startMs = Date.now() - 5_000) {
  const traceId = newTraceId();
  const root: FixtureSpan = {
    traceId,
    spanId: newSpanId(),
    name: `GET /${pipeline}`,
    startMs,
    durationMs: 100,
    attributes: { 'xray.pipeline': pipeline },
  };
  const steps = STEP_NAMES.map((name, i) => ({
    traceId,
    spanId: newSpanId(),
    parentSpanId: root.spanId,
    name,
    startMs: startMs + 10 + i * 20,
    durationMs: 15,
  }));
  return { traceId, root, steps };
}

/** Deliveries of the same execution, each a list of requests. */
const DELIVERIES: Record<string, (e: ReturnType<typeof plainExecution>) => FixtureSpan[][]> = {
  together: (e) => [[e.root, ...e.steps]],
  'steps first, split, reversed': (e) => [[e.steps[2]], [e.steps[1], e.steps[0]], [e.root]],
  'root first, then steps one by one, last first': (e) => [[e.root], [e.steps[2]], [e.steps[0]], [e.steps[1]]],
};

describe.each(['embedded', 'server'] as const)('order-independent reads (%s backend)', (backend) => {
  let harness: Harness;
  const resource = { 'service.name': 'shop', 'deployment.environment.name': 'prod-eu' };

  beforeAll(async () => {
    harness = await startCollector({ backend });
  });
  afterAll(async () => {
    await harness?.close();
  });

  describe.each(Object.keys(DELIVERIES))('delivered %s', (delivery) => {
    const pipeline = `order-${delivery.replace(/[^a-z]+/g, '-')}`;
    const e = plainExecution(pipeline);

    beforeAll(async () => {
      for (const spans of DELIVERIES[delivery](e)) {
        expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans, resource))).status).toBe(200);
      }
    });

    it('GET /executions/:id orders the steps by start time and gives them the root\'s pipeline and environment', async () => {
      const { status, body } = await getJson(harness, `/api/v1/executions/${e.traceId}`);
      expect(status).toBe(200);
      expect(body.execution).toMatchObject({ pipeline, environment: 'prod-eu', stepCount: 3 });
      expect(body.steps.map((s: { name: string }) => s.name)).toEqual(STEP_NAMES);
      expect(body.steps.map((s: { sequence: number }) => s.sequence)).toEqual([0, 1, 2]);
      for (const step of body.steps) expect(step).toMatchObject({ pipeline, environment: 'prod-eu' });
    });

    it('GET /steps?pipeline= finds every step of the execution, with the resolved pipeline', async () => {
      const { status, body } = await getJson(harness, `/api/v1/steps?pipeline=${pipeline}`);
      expect(status).toBe(200);
      expect(body.steps.map((s: { name: string }) => s.name).sort()).toEqual([...STEP_NAMES].sort());
      for (const step of body.steps) expect(step).toMatchObject({ pipeline, environment: 'prod-eu' });
      const byEnvironment = await getJson(harness, `/api/v1/steps?pipeline=${pipeline}&environment=prod-eu`);
      expect(byEnvironment.body.steps).toHaveLength(3);
    });

    it('GET /stats/step-durations?pipeline= counts every step of the execution', async () => {
      const { status, body } = await getJson(harness, `/api/v1/stats/step-durations?pipeline=${pipeline}`);
      expect(status).toBe(200);
      expect(body.steps.map((s: { name: string; steps: number }) => [s.name, s.steps])).toEqual(
        [...STEP_NAMES].sort().map((name) => [name, 1]),
      );
      for (const step of body.steps) expect(step.p95DurationMs).toBeCloseTo(15, 3);
    });
  });
});

describe.each(['embedded', 'server'] as const)('re-delivered rows in a page (%s backend)', (backend) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector({ backend });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('GET /steps answers a full page of distinct steps when duplicates outnumber the page (the engine deduplicates then)', async () => {
    const e = plainExecution('redelivered-page');
    const newest = { ...e.steps[2], attributes: { 'xray.step.reasoning': 'duplicated often' } };
    const older = e.steps.slice(0, 2).map((step) => ({ ...step, attributes: { 'xray.step.reasoning': 'duplicated often' } }));
    const body = jsonRequest([e.root, ...older, newest]);
    for (let i = 0; i < 2; i++) expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);
    // The newest step alone, three more times: four copies of it, more than 2 x limit.
    for (let i = 0; i < 3; i++) expect((await postJson(harness.url, harness.apiKey, jsonRequest([newest]))).status).toBe(200);

    const first = await getJson(harness, '/api/v1/steps?q=duplicated%20often&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.steps.map((s: { name: string }) => s.name)).toEqual(['decide', 'score']);
    const rest = await getJson(harness, `/api/v1/steps?q=duplicated%20often&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(rest.body.steps.map((s: { name: string }) => s.name)).toEqual(['fetch']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('GET /executions/:id shows a re-delivered execution and each re-delivered step once, as last sent', async () => {
    const e = plainExecution('redelivered-timeline');
    const said = (step: FixtureSpan, reasoning: string) => ({ ...step, attributes: { 'xray.step.reasoning': reasoning } });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps.map((step) => said(step, 'first'))]))).status).toBe(200);
    // Different requests (so not dropped as a retry): every span stored again, the second step and the root changed.
    const failedRoot = { ...e.root, error: 'boom' };
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([failedRoot, said(e.steps[0], 'first'), said(e.steps[1], 'second')]))).status).toBe(200);
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([said(e.steps[2], 'first')]))).status).toBe(200);
    const stored = await harness.sql<{ n: number }>('SELECT count() AS n FROM steps WHERE trace_id = {id:String}', { id: e.traceId });
    expect(Number(stored[0].n)).toBe(6);

    const { status, body } = await getJson(harness, `/api/v1/executions/${e.traceId}`);
    expect(status).toBe(200);
    expect(body.steps.map((s: { name: string; reasoning: string }) => [s.name, s.reasoning])).toEqual([
      ['fetch', 'first'],
      ['score', 'second'],
      ['decide', 'first'],
    ]);
    expect(body.execution).toMatchObject({ status: 'failed', stepCount: 3 });
  });
});

describe.each(['embedded', 'server'] as const)('pages across the newest-day window (%s backend)', (backend) => {
  let harness: Harness;
  const hour = 3_600_000;
  // Newest first: one in the last day, two older (read from the second window).
  const executions = [1, 50, 75].map((hoursAgo) => plainExecution('windowed-pages', Date.now() - hoursAgo * hour));

  beforeAll(async () => {
    harness = await startCollector({ backend });
    const spans = executions.flatMap((e) => [e.root, ...e.steps.map((step) => ({ ...step, attributes: { 'xray.step.reasoning': 'windowed word' } }))]);
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('GET /executions fills a page from both windows and the cursor continues where it stopped', async () => {
    const from = Date.now() - 7 * 24 * hour;
    const first = await getJson(harness, `/api/v1/executions?pipeline=windowed-pages&from=${from}&limit=2`);
    expect(first.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([executions[0].traceId, executions[1].traceId]);
    const rest = await getJson(harness, `/api/v1/executions?pipeline=windowed-pages&from=${from}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(rest.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([executions[2].traceId]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('GET /steps fills a page from both windows, newest first, and pages through every step once', async () => {
    const from = Date.now() - 7 * 24 * hour;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/steps?q=windowed&from=${from}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await getJson(harness, url);
      seen.push(...body.steps.map((s: { spanId: string }) => s.spanId));
      cursor = body.nextCursor;
    } while (cursor);
    const expected = executions.flatMap((e) => [...e.steps].reverse().map((step) => step.spanId));
    expect(seen).toEqual(expected);
  });
});

describe('failure rate from raw executions and from the rollup (embedded backend)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector({ backend: 'embedded' });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('counts each execution once from either source, re-delivered or not', async () => {
    const failed = plainExecution('rate-source');
    const ok = plainExecution('rate-source');
    const failedRoot = { ...failed.root, error: 'boom' };
    for (let i = 0; i < 2; i++) {
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([failedRoot, ok.root]))).status).toBe(200);
    }
    const day = 86_400_000;
    const totals = async (fromMillis: number) => {
      const { status, body } = await getJson(harness, `/api/v1/stats/failure-rate?pipeline=rate-source&interval=1d&from=${fromMillis}`);
      expect(status).toBe(200);
      const points = body.series.flatMap((s: { points: { executions: number; failed: number }[] }) => s.points);
      return points.reduce((n: { executions: number; failed: number }, p: { executions: number; failed: number }) =>
        ({ executions: n.executions + p.executions, failed: n.failed + p.failed }), { executions: 0, failed: 0 });
    };
    // Inside the raw retention (30 days): executions; older windows: the per-minute rollup.
    expect(await totals(Date.now() - day)).toEqual({ executions: 2, failed: 1 });
    expect(await totals(Date.now() - 40 * day)).toEqual({ executions: 2, failed: 1 });
  });

  it('counts exactly the executions inside a window whose first and last hours are partial (hourly rollup, raw edges)', async () => {
    const hour = 3_600_000;
    const base = Math.floor((Date.now() - 6 * hour) / hour) * hour;
    // Before the window, in its partial first hour, in whole hours, in its partial last hour, after it.
    const offsets = [10, 40, 70, 100, 130, 200, 250, 290];
    const executions = offsets.map((minutes) => plainExecution('hour-edges', base + minutes * 60_000));
    const failedRoot = { ...executions[3].root, error: 'boom' };
    const roots = executions.map((e, i) => (i === 3 ? failedRoot : e.root));
    for (let i = 0; i < 2; i++) expect((await postJson(harness.url, harness.apiKey, jsonRequest(roots))).status).toBe(200);
    const from = base + 30 * 60_000;
    const to = base + 4 * hour + 45 * 60_000;
    const { status, body } = await getJson(harness, `/api/v1/stats/failure-rate?pipeline=hour-edges&interval=1h&from=${from}&to=${to}`);
    expect(status).toBe(200);
    const points = body.series[0].points.map((p: { time: string; executions: number; failed: number }) => [Date.parse(p.time), p.executions, p.failed]);
    // 40 min (first bucket, labelled with `from`); 70, 100 (failed); 130; 200; 250 (last, partial hour); not 10 or 290.
    expect(points).toEqual([
      [from, 1, 0],
      [base + hour, 2, 1],
      [base + 2 * hour, 1, 0],
      [base + 3 * hour, 1, 0],
      [base + 4 * hour, 1, 0],
    ]);
  });
});
