/**
 * The duration statistics (`GET /api/v1/stats/step-durations`, p95 per step
 * name, and `GET /api/v1/stats/durations`, per bucket of executions) against
 * a reference, under a seeded random mix of writes, on the real collector
 * with chDB: executions over three days in three pipelines and two
 * environments, some steps sent apart from their root (their pipeline and
 * environment resolved from the root at read time), steps sent again with
 * another status and duration, roots sent again under another pipeline and
 * environment, steps delivered twice, executions deleted. After each write,
 * random windows (whole days and edges) and filters are asked; every step
 * and execution counts once, as its newest version, with ClickHouse's exact
 * percentiles (`quantileExact`: the element at floor(level x count) of the
 * sorted values).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import type { FixtureSpan } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PIPELINES = ['loan', 'fraud', 'ranking'];
const ENVIRONMENTS = ['prod', 'staging'];
const NAMES = ['fetch', 'score', 'decide'];

interface SentStep {
  span: FixtureSpan;
  name: string;
  durationMs: number;
  failed: boolean;
  startMs: number;
  /** Sent with its root: stored with the root's pipeline and environment of that moment. Sent apart: with none. */
  withRoot: boolean;
  pipeline: string;
  environment: string;
}

interface SentExecution {
  executionId: string;
  root: FixtureSpan;
  pipeline: string;
  environment: string;
  startMs: number;
  durationMs: number;
  steps: SentStep[];
}

/** ClickHouse's quantileExact(level) of `values`. */
function quantileExact(values: number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(level * sorted.length)]!;
}

describe('duration statistics against what was sent, under random writes (embedded backend)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('counts each step and execution once, as its newest version, with exact percentiles, for random windows and filters', async () => {
    const next = createRandom(20261208);
    const pick = createPick(next);
    const now = Date.now();
    const base = Math.floor(now / DAY) * DAY - 2 * DAY;
    const sent = new Map<string, SentExecution>();
    const send = async (spans: FixtureSpan[]) => expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans))).status).toBe(200);

    const rootSpan = (execution: SentExecution): FixtureSpan => ({
      ...execution.root,
      name: execution.pipeline,
      durationMs: execution.durationMs,
      attributes: { ...execution.root.attributes, 'xray.pipeline': execution.pipeline, 'xray.environment': execution.environment },
    });
    const stepSpan = (execution: SentExecution, step: SentStep): FixtureSpan => {
      const { 'xray.pipeline': _pipeline, ...attributes } = step.span.attributes!;
      return {
        ...step.span,
        durationMs: step.durationMs,
        attributes: { ...attributes, 'xray.step.status': step.failed ? 'failed' : 'completed', ...(step.withRoot ? { 'xray.pipeline': execution.pipeline } : {}) },
        error: step.failed ? `${step.name} failed` : undefined,
      };
    };
    /** Sends steps as they are now: those stored with their root travel with its current version, and take its names. */
    const sendSteps = async (execution: SentExecution, steps: SentStep[]) => {
      const withRoot = steps.filter((step) => step.withRoot);
      for (const step of withRoot) {
        step.pipeline = execution.pipeline;
        step.environment = execution.environment;
      }
      if (withRoot.length > 0) await send([rootSpan(execution), ...withRoot.map((step) => stepSpan(execution, step))]);
      const alone = steps.filter((step) => !step.withRoot);
      if (alone.length > 0) await send(alone.map((step) => stepSpan(execution, step)));
    };

    const addExecution = async (i: number) => {
      const pipeline = pick(PIPELINES);
      const startMs = base + Math.floor(next() * (now - HOUR - base));
      const names = Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(NAMES));
      const spans = executionSpans({ executionId: `dur-${i}`, pipeline, startMs, steps: names.map((name) => ({ name })) });
      const execution: SentExecution = {
        executionId: spans.executionId,
        root: spans.root,
        pipeline,
        environment: pick(ENVIRONMENTS),
        startMs,
        durationMs: 1 + Math.floor(next() * 2000),
        steps: [],
      };
      execution.steps = spans.steps.map((span) => ({
        span,
        name: span.name,
        durationMs: 1 + Math.floor(next() * 500),
        failed: next() < 0.25,
        // Within a minute of the root, over a day edge for a root that starts just before midnight.
        startMs: startMs + Math.floor(next() * 60_000),
        withRoot: next() < 0.6,
        pipeline: '',
        environment: '',
      }));
      for (const step of execution.steps) step.span = { ...step.span, startMs: step.startMs };
      sent.set(execution.executionId, execution);
      if (!execution.steps.some((step) => step.withRoot)) await send([rootSpan(execution)]);
      await sendSteps(execution, execution.steps);
    };

    const expectedSteps = (from: number, to: number, pipeline?: string, environment?: string) => {
      const byName = new Map<string, { durations: number[]; failed: number }>();
      for (const execution of sent.values()) {
        for (const step of execution.steps) {
          if (step.startMs < from || step.startMs >= to) continue;
          const stepPipeline = step.pipeline || execution.pipeline;
          const stepEnvironment = step.environment || execution.environment;
          if ((pipeline && stepPipeline !== pipeline) || (environment && stepEnvironment !== environment)) continue;
          const group = byName.get(step.name) ?? { durations: [], failed: 0 };
          byName.set(step.name, group);
          group.durations.push(step.durationMs);
          if (step.failed) group.failed++;
        }
      }
      return [...byName]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([name, group]) => ({
          name,
          steps: group.durations.length,
          failed: group.failed,
          avgDurationMs: group.durations.reduce((sum, value) => sum + value, 0) / group.durations.length,
          p50DurationMs: quantileExact(group.durations, 0.5),
          p95DurationMs: quantileExact(group.durations, 0.95),
        }));
    };
    const expectedBuckets = (from: number, to: number, intervalMillis: number, pipeline?: string, environment?: string) => {
      const buckets = new Map<number, number[]>();
      for (const execution of sent.values()) {
        if (execution.startMs < from || execution.startMs >= to) continue;
        if ((pipeline && execution.pipeline !== pipeline) || (environment && execution.environment !== environment)) continue;
        // Buckets of the interval from the epoch, the first one labelled with the window's start.
        const bucket = Math.max(Math.floor(execution.startMs / intervalMillis) * intervalMillis, from);
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), execution.durationMs]);
      }
      return [...buckets]
        .sort((a, b) => a[0] - b[0])
        .map(([bucket, durations]) => ({
          bucket,
          executions: durations.length,
          p50DurationMs: quantileExact(durations, 0.5),
          p95DurationMs: quantileExact(durations, 0.95),
        }));
    };

    for (let i = 0; i < 12; i++) await addExecution(i);
    const kinds: string[] = [];
    let compared = 0;
    for (let round = 0; round < 30; round++) {
      const kind = pick(['batch', 'resend-steps', 'resend-steps', 'move', 'redeliver', 'delete']);
      kinds.push(kind);
      const execution = pick([...sent.values()]);
      if (kind === 'batch') {
        for (let k = 0; k < 1 + Math.floor(next() * 4); k++) await addExecution(100 + round * 10 + k);
      } else if (kind === 'resend-steps') {
        // Another status and duration: the statistics count the newest version only.
        const steps = execution.steps.filter(() => next() < 0.6);
        for (const step of steps) {
          step.failed = !step.failed;
          step.durationMs = 1 + Math.floor(next() * 500);
        }
        await sendSteps(execution, steps);
      } else if (kind === 'move') {
        // The root again, under another pipeline and environment, with another duration: steps stored with
        // the root keep the names they were stored with, steps sent apart follow the root.
        execution.pipeline = pick(PIPELINES.filter((name) => name !== execution.pipeline));
        execution.environment = pick(ENVIRONMENTS);
        execution.durationMs = 1 + Math.floor(next() * 2000);
        await send([rootSpan(execution)]);
      } else if (kind === 'redeliver') {
        await sendSteps(execution, execution.steps);
      } else {
        expect((await adminCall(harness, 'DELETE', `/apps/${harness.appId}/executions/${execution.executionId}`)).status).toBe(200);
        sent.delete(execution.executionId);
      }

      for (let q = 0; q < 3; q++) {
        // Whole days, parts of days, and windows past either end of the data.
        const from = next() < 0.3 ? base + Math.floor(next() * 3) * DAY : base - HOUR + Math.floor(next() * (now - base + HOUR));
        const to = next() < 0.3 ? Math.min(from + (1 + Math.floor(next() * 3)) * DAY, now + HOUR) : Math.min(from + 1 + Math.floor(next() * 3 * DAY), now + HOUR);
        const pipeline = next() < 0.4 ? pick(PIPELINES) : undefined;
        const environment = next() < 0.3 ? pick(ENVIRONMENTS) : undefined;
        const filter = { from: String(from), to: String(to), ...(pipeline ? { pipeline } : {}), ...(environment ? { environment } : {}) };
        const query = new URLSearchParams(filter).toString();

        const steps = await getJson(harness, `/api/v1/stats/step-durations?${query}`);
        expect(steps.status, query).toBe(200);
        const want = expectedSteps(from, to, pipeline, environment);
        const got = (steps.body.steps as ReturnType<typeof expectedSteps>).map((row) => ({ ...row, avgDurationMs: Number(row.avgDurationMs.toFixed(6)) }));
        expect({ round, kind, query, steps: got }).toEqual({
          round,
          kind,
          query,
          steps: want.map((row) => ({ ...row, avgDurationMs: Number(row.avgDurationMs.toFixed(6)) })),
        });

        const interval = pick(['1h', '6h', '1d']);
        const durations = await getJson(harness, `/api/v1/stats/durations?${query}&interval=${interval}`);
        expect(durations.status, `${query} ${interval}`).toBe(200);
        const intervalMillis = durations.body.intervalSeconds * 1000;
        const buckets = (durations.body.points as { time: string; executions: number; p50DurationMs: number; p95DurationMs: number }[]).map((point) => ({
          bucket: Date.parse(point.time),
          executions: point.executions,
          p50DurationMs: point.p50DurationMs,
          p95DurationMs: point.p95DurationMs,
        }));
        expect({ round, kind, query, interval, buckets }).toEqual({ round, kind, query, interval, buckets: expectedBuckets(from, to, intervalMillis, pipeline, environment) });
        compared += want.length > 0 ? 1 : 0;
      }
    }
    expect(new Set(kinds)).toEqual(new Set(['batch', 'resend-steps', 'move', 'redeliver', 'delete']));
    expect(compared).toBeGreaterThan(45);
  });
});
