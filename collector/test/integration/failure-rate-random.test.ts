/**
 * The failure rate (`GET /api/v1/stats/failure-rate`) against a reference,
 * under a seeded random mix of writes and rollup passes, on the real
 * collector with chDB: executions over the last 13 hours in three pipelines
 * and two environments, roots re-sent with the other status or under another
 * pipeline and environment, roots delivered twice, executions deleted, and
 * the rollup job's passes between them. After each, random windows (edges
 * inside hours and minutes), intervals and filters are asked, and every
 * series must count what the executions sent say: each execution once, with
 * its latest status and pipeline, in the bucket of its start (buckets of the
 * interval from the epoch, the first one labelled with the window's start),
 * whichever source the collector read (hourly counts, hourly sets, raw rows).
 * The window's summary (`GET /api/v1/stats/summary`) must count the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionWith, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import type { ExecutionFacts } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Sent extends ExecutionFacts {
  root: ReturnType<typeof executionWith>['root'];
}

interface Series {
  pipeline: string;
  points: { time: string; executions: number; failed: number; failureRate: number }[];
}

describe('failure rate against the executions sent, under random writes and rollup passes (embedded backend)', () => {
  let harness: Harness;

  beforeAll(async () => {
    // Passes run only when the test calls them, and fold everything inserted before them.
    harness = await startCollector({ rollups: { intervalMillis: 0, lagMillis: 0 } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('counts every execution once, with its latest status, in its bucket, for random windows, intervals and filters', async () => {
    const next = createRandom(20261206);
    const pick = createPick(next);
    const now = Date.now();
    const base = Math.floor(now / HOUR) * HOUR - 12 * HOUR;
    const send = async (roots: Sent['root'][]) => expect((await postJson(harness.url, harness.apiKey, jsonRequest(roots))).status).toBe(200);
    const rootOf = (execution: ExecutionFacts): Sent['root'] => executionWith(execution).root;
    const sent = new Map<string, Sent>();

    const expected = (from: number, to: number, intervalMillis: number, pipeline?: string, environment?: string): Series[] => {
      const buckets = new Map<string, Map<number, { executions: number; failed: number }>>();
      for (const e of sent.values()) {
        if (e.startMs < from || e.startMs >= to) continue;
        if ((pipeline && e.pipeline !== pipeline) || (environment && e.environment !== environment)) continue;
        const series = buckets.get(e.pipeline) ?? new Map<number, { executions: number; failed: number }>();
        buckets.set(e.pipeline, series);
        const bucket = Math.max(Math.floor(e.startMs / intervalMillis) * intervalMillis, from);
        const counts = series.get(bucket) ?? { executions: 0, failed: 0 };
        series.set(bucket, { executions: counts.executions + 1, failed: counts.failed + (e.failed ? 1 : 0) });
      }
      return [...buckets]
        .map(([name, series]) => ({
          pipeline: name,
          points: [...series].sort((a, b) => a[0] - b[0]).map(([time, c]) => ({ time: new Date(time).toISOString(), ...c, failureRate: c.failed / c.executions })),
        }))
        .sort((a, b) => (a.pipeline < b.pipeline ? -1 : 1));
    };
    const normalized = (series: Series[]) =>
      series.map((s) => ({ ...s, points: [...s.points].sort((a, b) => (a.time < b.time ? -1 : 1)) })).sort((a, b) => (a.pipeline < b.pipeline ? -1 : 1));

    const kinds: string[] = [];
    let asked = 0;
    for (let i = 0; i < 40; i++) {
      const kind = i < 3 ? 'batch' : pick(['batch', 'batch', 'pass', 'pass', 'resend', 'move', 'redeliver', 'delete']);
      kinds.push(kind);
      const some = [...sent.values()];
      if (kind === 'batch') {
        const roots: Sent['root'][] = [];
        for (let k = 0; k < 1 + Math.floor(next() * 8); k++) {
          const execution = {
            executionId: `rate-${i}-${k}`,
            pipeline: pick(['loan', 'fraud', 'ranking']),
            environment: pick(['prod', 'staging']),
            startMs: base + Math.floor(next() * (now - MINUTE - base)),
            failed: next() < 0.3,
          };
          const root = rootOf(execution);
          sent.set(execution.executionId, { ...execution, root });
          roots.push(root);
        }
        await send(roots);
      } else if (kind === 'pass') {
        await harness.store.rollups.run();
      } else if (kind === 'resend') {
        const execution = pick(some);
        execution.failed = !execution.failed;
        execution.root = rootOf(execution);
        await send([execution.root]);
      } else if (kind === 'move') {
        // Sent again under another pipeline and environment: only the newest version counts, under its new names.
        const execution = pick(some);
        execution.pipeline = pick(['loan', 'fraud', 'ranking'].filter((name) => name !== execution.pipeline));
        execution.environment = pick(['prod', 'staging']);
        execution.failed = next() < 0.5;
        execution.root = rootOf(execution);
        await send([execution.root]);
      } else if (kind === 'redeliver') {
        await send([pick(some).root]);
      } else {
        const execution = pick(some);
        expect((await adminCall(harness, 'DELETE', `/apps/${harness.appId}/executions/${execution.executionId}`)).status).toBe(200);
        sent.delete(execution.executionId);
      }
      for (let q = 0; q < 3; q++) {
        const from = base - HOUR + Math.floor(next() * 13 * HOUR);
        const to = Math.min(from + MINUTE + Math.floor(next() * 13 * HOUR), now + HOUR);
        const interval = pick(['1m', '5m', '7m', '1h', '3h', '1d']);
        const pipeline = next() < 0.4 ? pick(['loan', 'fraud', 'ranking']) : undefined;
        const environment = next() < 0.3 ? pick(['prod', 'staging']) : undefined;
        const query = new URLSearchParams({ from: String(from), to: String(to), interval, ...(pipeline ? { pipeline } : {}), ...(environment ? { environment } : {}) });
        const { status, body } = await getJson(harness, `/api/v1/stats/failure-rate?${query}`);
        expect(status, query.toString()).toBe(200);
        const want = expected(from, to, body.intervalSeconds * 1000, pipeline, environment);
        expect({ i, kind, query: query.toString(), series: normalized(body.series) }).toEqual({ i, kind, query: query.toString(), series: want });
        asked += want.length > 0 ? 1 : 0;
        // The window's summary counts the same executions (read from the raw rows, FINAL).
        const summaryQuery = new URLSearchParams({ from: String(from), to: String(to), ...(pipeline ? { pipeline } : {}), ...(environment ? { environment } : {}) });
        const summary = await getJson(harness, `/api/v1/stats/summary?${summaryQuery}`);
        expect(summary.status, summaryQuery.toString()).toBe(200);
        const points = want.flatMap((series) => series.points);
        expect({ i, kind, query: summaryQuery.toString(), executions: summary.body.executions, failed: summary.body.failed }).toEqual({
          i,
          kind,
          query: summaryQuery.toString(),
          executions: points.reduce((sum, point) => sum + point.executions, 0),
          failed: points.reduce((sum, point) => sum + point.failed, 0),
        });
      }
    }
    expect(new Set(kinds)).toEqual(new Set(['batch', 'pass', 'resend', 'move', 'redeliver', 'delete']));
    // Most windows held executions: the comparison is not between two empty replies.
    expect(asked).toBeGreaterThan(80);
  });
});
