/**
 * The executions list (`GET /api/v1/executions`) against a reference, on the
 * real collector with chDB: seeded random executions (start times that tie,
 * ids with accents and emoji, three pipelines, two environments, statuses,
 * step names, roots sent again with another status), then random filters
 * (window, pipeline, status, environment, step name, id prefix) paged
 * through with cursors at random page sizes, through the list head and past
 * it (`Cache-Control: no-cache`). Every page sequence, put together, must be
 * the reference's list: the matching executions, each once as its newest
 * version, newest first, ties by id in UTF-8 byte order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionWith, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import type { ExecutionFacts } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

interface Sent extends ExecutionFacts {
  steps: string[];
}

interface Page {
  executions: { executionId: string; status: string; pipeline: string; environment: string; stepCount: number }[];
  nextCursor: string | null;
}

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('executions list against the executions sent, random filters and page sizes (embedded backend)', () => {
  let harness: Harness;
  const next = createRandom(61207);
  const pick = createPick(next);
  const sent = new Map<string, Sent>();
  const base = Date.now() - 2 * 3_600_000;

  const rootOf = (e: Sent) => executionWith(e, e.steps.map((name) => ({ name })));

  beforeAll(async () => {
    harness = await startCollector();
    const prefixes = ['a', 'ab', 'é', '\u{1F600}', 'z', 'Z'];
    const requests: ReturnType<typeof rootOf>[][] = [[], [], []];
    for (let i = 0; i < 90; i++) {
      const e: Sent = {
        executionId: `${pick(prefixes)}-${String(i).padStart(3, '0')}`,
        pipeline: pick(['loan', 'fraud', 'ranking']),
        environment: pick(['prod', 'staging']),
        // Whole minutes from a small set: many executions share a start time.
        startMs: base + Math.floor(next() * 40) * 60_000,
        failed: next() < 0.3,
        steps: Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(['fetch', 'score', 'decide', 'notify'])),
      };
      sent.set(e.executionId, e);
      requests[i % 3]!.push(rootOf(e));
    }
    for (const request of requests) {
      expect((await postJson(harness.url, harness.apiKey, jsonRequest(request.flatMap((e) => [e.root, ...e.steps])))).status).toBe(200);
    }
    // Some roots sent again with the other status: the list shows the newest, and a status filter matches the
    // newest version only. Merges stop first, so the older versions stay beside the newest as they do between merges.
    await harness.store.backend.command('SYSTEM STOP MERGES executions');
    for (const e of [...sent.values()].filter(() => next() < 0.15)) {
      e.failed = !e.failed;
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([rootOf(e).root]))).status).toBe(200);
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('pages through exactly the matching executions, newest first, for 40 random filters, through the list head and past it', async () => {
    let multiPage = 0;
    for (let q = 0; q < 40; q++) {
      const from = base + Math.floor(next() * 30) * 60_000 - (next() < 0.5 ? 0 : 30_000);
      const to = from + (1 + Math.floor(next() * 45)) * 60_000;
      const filter: Record<string, string> = { from: String(from), to: String(to) };
      if (next() < 0.4) filter.pipeline = pick(['loan', 'fraud', 'ranking']);
      if (next() < 0.4) filter.status = pick(['failed', 'completed']);
      if (next() < 0.3) filter.environment = pick(['prod', 'staging']);
      if (next() < 0.2) filter.step = pick(['fetch', 'notify']);
      if (next() < 0.2) filter.idPrefix = pick(['a', 'ab', 'é', '\u{1F600}', 'Z']);
      const expected = [...sent.values()]
        .filter((e) => e.startMs >= from && e.startMs < to)
        .filter((e) => !filter.pipeline || e.pipeline === filter.pipeline)
        .filter((e) => !filter.status || (filter.status === 'failed') === e.failed)
        .filter((e) => !filter.environment || e.environment === filter.environment)
        .filter((e) => !filter.step || e.steps.includes(filter.step))
        .filter((e) => !filter.idPrefix || e.executionId.startsWith(filter.idPrefix))
        .sort((a, b) => b.startMs - a.startMs || utf8Order(b.executionId, a.executionId))
        .map((e) => ({ executionId: e.executionId, status: e.failed ? 'failed' : 'completed', stepCount: e.steps.length }));
      const limit = String(1 + Math.floor(next() * 12));
      if (expected.length > Number(limit)) multiPage += 1;
      for (const headers of [{}, { 'cache-control': 'no-cache' }]) {
        const listed: (typeof expected)[number][] = [];
        let cursor: string | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const query = new URLSearchParams({ ...filter, limit, ...(cursor ? { cursor } : {}) });
          const response = await fetch(`${harness.url}/api/v1/executions?${query}`, { headers: { authorization: `Bearer ${harness.apiKey}`, ...headers } });
          expect(response.status).toBe(200);
          const page = (await response.json()) as Page;
          listed.push(...page.executions.map((e) => ({ executionId: e.executionId, status: e.status, stepCount: e.stepCount })));
          cursor = page.nextCursor;
          if (!cursor) break;
        }
        expect({ q, filter, limit, headers, listed }).toEqual({ q, filter, limit, headers, listed: expected });
      }
    }
    // Most filters needed several pages: the cursors were exercised, not only first pages.
    expect(multiPage).toBeGreaterThan(20);
  });
});
