/**
 * The steps list (`GET /api/v1/steps`) against a reference, on the real
 * collector with chDB: seeded random executions whose steps share start
 * times, some sent in a request of their own without X-Ray's pipeline and
 * environment attributes (resolved from their root at read time), some
 * delivered again with the other status, some roots sent again under another
 * pipeline and environment. Random filters (window, name,
 * status, pipeline, environment) paged through with cursors at random page
 * sizes must give exactly the reference's steps: each once as its newest
 * version, newest first, ties by span id, with its root's pipeline and
 * environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

type Span = Parameters<typeof jsonRequest>[0][number];

interface SentStep {
  spanId: string;
  name: string;
  pipeline: string;
  environment: string;
  startMs: number;
  failed: boolean;
  reasoning: string;
  span: Span;
  /** Sent with its root or with X-Ray's pipeline attribute: the step keeps the pipeline and environment it was stored with, whatever its root says later. */
  ownPipeline: boolean;
  root: Span;
}

describe('steps list against the steps sent, random filters and page sizes (embedded backend)', () => {
  let harness: Harness;
  let otherKey: string;
  const next = createRandom(61208);
  const pick = createPick(next);
  const sent = new Map<string, SentStep>();
  const base = Date.now() - 3_600_000;

  const withStatus = (span: Span, failed: boolean): Span => ({
    ...span,
    attributes: { ...span.attributes, 'xray.step.status': failed ? 'failed' : 'completed' },
    error: failed ? `${span.name} failed` : undefined,
  });

  beforeAll(async () => {
    harness = await startCollector();
    const withRoots: Span[] = [];
    const alone: Span[] = [];
    for (let e = 0; e < 30; e++) {
      const pipeline = pick(['loan', 'fraud', 'ranking']);
      const environment = pick(['prod', 'staging']);
      const execution = executionSpans({ pipeline, startMs: base + Math.floor(next() * 20) * 1000, steps: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({ name: pick(['fetch', 'score', 'decide']) })) });
      execution.root.attributes!['xray.environment'] = environment;
      withRoots.push(execution.root);
      for (const original of execution.steps) {
        // Steps of the same execution start at the same few instants: ties broken by span id.
        let span = withStatus({ ...original, startMs: execution.root.startMs + Math.floor(next() * 3) * 10 }, next() < 0.25);
        const own = next() < 0.3;
        if (own) {
          // Sent apart, as a span processor may: no pipeline or environment of its own.
          const { 'xray.pipeline': _pipeline, 'xray.environment': _environment, ...attributes } = span.attributes!;
          span = { ...span, attributes };
        }
        (own ? alone : withRoots).push(span);
        sent.set(span.spanId, { spanId: span.spanId, name: span.name, pipeline, environment, startMs: span.startMs, failed: span.attributes!['xray.step.status'] === 'failed', reasoning: '', span, ownPipeline: !own, root: execution.root });
      }
    }
    for (const request of [withRoots, alone]) expect((await postJson(harness.url, harness.apiKey, jsonRequest(request))).status).toBe(200);
    // Some steps delivered again with another status or other reasoning: the list shows the newest, and a
    // status filter matches the newest version only (not an older one the engine has not merged away yet).
    const again = [...sent.values()].filter(() => next() < 0.2);
    for (const step of again) {
      if (next() < 0.5) {
        step.failed = !step.failed;
        step.span = withStatus(step.span, step.failed);
      } else {
        step.reasoning = `delivered again ${step.spanId}`;
        step.span = { ...step.span, attributes: { ...step.span.attributes, 'xray.step.reasoning': step.reasoning } };
      }
    }
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(again.map((step) => step.span)))).status).toBe(200);
    // Some roots sent again under another pipeline and environment: their steps stored without either (sent
    // apart) take the newest root's, the others keep what they were stored with (an older root version must not match).
    const moved = withRoots.filter((span) => span.parentSpanId === undefined && next() < 0.3);
    const movedRoots: Span[] = [];
    for (const root of moved) {
      const pipeline = pick(['loan', 'fraud', 'ranking'].filter((name) => name !== root.attributes!['xray.pipeline']));
      const environment = pick(['prod', 'staging']);
      movedRoots.push({ ...root, name: pipeline, attributes: { ...root.attributes, 'xray.pipeline': pipeline, 'xray.environment': environment } });
      for (const step of sent.values()) {
        if (step.root !== root) continue;
        if (step.ownPipeline) continue;
        step.environment = environment;
        step.pipeline = pipeline;
      }
    }
    expect(movedRoots.length).toBeGreaterThan(3);
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(movedRoots))).status).toBe(200);
    // Another app sends the very same spans with the other status, twice: they are its own rows, so they
    // change nothing in this app's pages (the newest-version check reads this app's versions only).
    otherKey = await harness.createApp('steps-random-other');
    const flipped = [...sent.values()].map((step) => withStatus(step.span, !step.failed));
    for (let i = 0; i < 2; i++) expect((await postJson(harness.url, otherKey, jsonRequest(flipped))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('pages through exactly the matching steps, newest first, for 40 random filters', async () => {
    let multiPage = 0;
    for (let q = 0; q < 40; q++) {
      const from = base + Math.floor(next() * 15) * 1000;
      const to = from + (1 + Math.floor(next() * 25)) * 1000;
      const filter: Record<string, string> = { from: String(from), to: String(to) };
      if (next() < 0.4) filter.name = pick(['fetch', 'score', 'decide']);
      if (next() < 0.4) filter.status = pick(['failed', 'completed']);
      if (next() < 0.4) filter.pipeline = pick(['loan', 'fraud', 'ranking']);
      if (next() < 0.3) filter.environment = pick(['prod', 'staging']);
      const expected = [...sent.values()]
        .filter((s) => s.startMs >= from && s.startMs < to)
        .filter((s) => !filter.name || s.name === filter.name)
        .filter((s) => !filter.status || (filter.status === 'failed') === s.failed)
        .filter((s) => !filter.pipeline || s.pipeline === filter.pipeline)
        .filter((s) => !filter.environment || s.environment === filter.environment)
        .sort((a, b) => b.startMs - a.startMs || (a.spanId < b.spanId ? 1 : -1))
        .map((s) => ({ spanId: s.spanId, status: s.failed ? 'failed' : 'completed', pipeline: s.pipeline, environment: s.environment, reasoning: s.reasoning }));
      const limit = String(1 + Math.floor(next() * 8));
      if (expected.length > Number(limit)) multiPage += 1;
      const listed: (typeof expected)[number][] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const { status, body } = await getJson(harness, `/api/v1/steps?${new URLSearchParams({ ...filter, limit, ...(cursor ? { cursor } : {}) })}`);
        expect(status).toBe(200);
        listed.push(...(body.steps as { spanId: string; status: string; pipeline: string; environment: string; reasoning: string }[]).map((s) => ({ spanId: s.spanId, status: s.status, pipeline: s.pipeline, environment: s.environment, reasoning: s.reasoning })));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect({ q, filter, limit, listed }).toEqual({ q, filter, limit, listed: expected });
    }
    expect(multiPage).toBeGreaterThan(20);
    // The other app's list holds its own versions: every step, with the status it sent.
    const { body } = await getJson(harness, `/api/v1/steps?${new URLSearchParams({ from: String(base - 60_000), to: String(base + 120_000), limit: '500' })}`, otherKey);
    expect(new Map((body.steps as { spanId: string; status: string }[]).map((s) => [s.spanId, s.status]))).toEqual(
      new Map([...sent.values()].map((s) => [s.spanId, s.failed ? 'completed' : 'failed'])),
    );
  });
});
