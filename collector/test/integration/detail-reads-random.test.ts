/**
 * One execution's read (`GET /api/v1/executions/{id}`) under a seeded random
 * mix of writes, against the real collector on chDB with both of its copies
 * on: the memory cache of finished executions' replies and the reply store of
 * settled days on disk. After every write, and while the reply builder's
 * passes run (awaited, or racing the next write), each execution read through
 * the copies must be the reply ClickHouse gives (`Cache-Control: no-cache`),
 * byte for byte, and a deleted one a 404 both ways. The writes: whole
 * executions on past days and today, late steps on the same day and on the
 * next, re-sent roots with another status, re-delivered steps with other
 * reasoning, scores, deletions of one execution and by pipeline, merges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { createPick, createRandom } from '../support/seeded-random.js';
import { executionSpans, jsonRequest, newSpanId, postJson } from '../support/otlp-fixtures.js';

const DAY = 86_400_000;
/** Noon (UTC) of a day `daysAgo` days before today. */
const noonOf = (daysAgo: number) => Math.floor(Date.now() / DAY) * DAY - daysAgo * DAY + 12 * 3_600_000;

type Execution = ReturnType<typeof executionSpans>;
type Span = Parameters<typeof jsonRequest>[0][number];

describe.each([
  { copies: 'memory cache and reply store', executionCache: undefined, answeredBy: ['memory'] },
  // With the memory cache off, every read that is not the store's goes to ClickHouse.
  { copies: 'reply store alone', executionCache: { maxBytes: 0, maxAgeMillis: 0 }, answeredBy: ['store'] },
])('execution reads under a random mix of writes, $copies on (embedded backend)', ({ executionCache, answeredBy }) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector({ replyStore: { settleMillis: 0 }, executionCache });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers every read as ClickHouse does, after each write and while the reply builder runs', async () => {
    const key = harness.apiKey;
    const next = createRandom(20261206);
    const pick = createPick(next);
    const send = async (spans: Span[]) => expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
    const read = async (id: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${harness.url}/api/v1/executions/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
      return { status: response.status, text: await response.text() };
    };
    const sources = async (): Promise<Record<string, number>> => {
      const text = await (await fetch(`${harness.url}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const match of text.matchAll(/^xray_execution_detail_reads_total\{source="(\w+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
      return counts;
    };

    const live: Execution[] = [];
    const deleted: string[] = [];
    /** Every step span sent of each execution, by execution id (for re-deliveries). */
    const stepsOf = new Map<string, Span[]>();
    const pipelines = ['loan', 'fraud', 'ranking', 'erase-a', 'erase-b'];
    const days = [2, 3, 4, 0];
    const newExecution = (i: number): Execution => {
      const daysAgo = pick(days);
      // Today's executions start an hour ago (or at 00:30 UTC, if that is later than now): never in the future.
      const startMs = daysAgo === 0 ? Math.max(Math.floor(Date.now() / DAY) * DAY + 60_000, Date.now() - 3_600_000) - 30_000 : noonOf(daysAgo) + i * 1000;
      const execution = executionSpans({
        executionId: `detail-${String(i).padStart(3, '0')}`,
        pipeline: pick(pipelines),
        startMs,
        steps: Array.from({ length: 1 + Math.floor(next() * 3) }, (_, s) => ({ name: `step-${s}`, reasoning: `because ${i}.${s}`, failed: next() < 0.1 })),
        failed: next() < 0.2,
      });
      live.push(execution);
      stepsOf.set(execution.executionId, [...execution.steps]);
      return execution;
    };
    const lateStep = (execution: Execution, offsetMs: number): Span => {
      const sent = stepsOf.get(execution.executionId)!;
      const step: Span = {
        ...execution.steps[0]!,
        spanId: newSpanId(),
        name: `late-${sent.length}`,
        startMs: execution.root.startMs + offsetMs,
        attributes: { ...execution.steps[0]!.attributes, 'xray.step.sequence': sent.length, 'xray.step.reasoning': `late ${sent.length}` },
      };
      sent.push(step);
      return step;
    };
    const remove = (ids: Set<string>) => {
      for (let i = live.length - 1; i >= 0; i--) {
        if (ids.has(live[i]!.executionId)) deleted.push(...live.splice(i, 1).map((e) => e.executionId));
      }
    };

    const kinds: string[] = [];
    let racing: Promise<unknown> | undefined;
    for (let i = 0; i < 50; i++) {
      const kind = i < 6 ? 'whole' : live.length === 0 ? 'whole'
        : pick(['whole', 'whole', 'pass', 'pass', 'race', 'late', 'late-next-day', 'resent', 'redelivered', 'score', 'delete', 'delete-pipeline', 'merge']);
      kinds.push(kind);
      const target = live.length > 0 ? pick(live) : undefined;
      if (kind === 'whole') {
        const execution = newExecution(i);
        await send([execution.root, ...execution.steps]);
      } else if (kind === 'pass') {
        await harness.xray.replyBuilder!.pass();
      } else if (kind === 'race') {
        // A pass that runs while the next write (and the reads after it) happen.
        racing = harness.xray.replyBuilder!.pass();
        continue;
      } else if (kind === 'late') {
        await send([lateStep(target!, 50)]);
      } else if (kind === 'late-next-day') {
        // Today's executions have no next day yet: their late step lands later the same day.
        await send([lateStep(target!, target!.root.startMs + DAY < Date.now() ? DAY : 100)]);
      } else if (kind === 'resent') {
        const status = target!.root.attributes!['xray.execution.status'] === 'failed' ? 'completed' : 'failed';
        target!.root = { ...target!.root, attributes: { ...target!.root.attributes, 'xray.execution.status': status }, error: status === 'failed' ? 'failed again' : undefined };
        await send([target!.root]);
      } else if (kind === 'redelivered') {
        const sent = stepsOf.get(target!.executionId)!;
        const index = Math.floor(next() * sent.length);
        sent[index] = { ...sent[index]!, attributes: { ...sent[index]!.attributes, 'xray.step.reasoning': `re-delivered at ${i}` } };
        await send([sent[index]!]);
      } else if (kind === 'score') {
        const response = await fetch(`${harness.url}/api/v1/executions/${target!.executionId}/scores`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: pick(['correct', 'helpful']), value: next() < 0.5 }),
        });
        expect(response.status).toBe(201);
      } else if (kind === 'delete') {
        expect((await adminCall(harness, 'DELETE', `/apps/${harness.appId}/executions/${target!.executionId}`)).status).toBe(200);
        remove(new Set([target!.executionId]));
      } else if (kind === 'delete-pipeline') {
        const pipeline = pick(['erase-a', 'erase-b']);
        expect((await adminCall(harness, 'POST', `/apps/${harness.appId}/executions/delete`, { pipeline })).status).toBe(200);
        remove(new Set(live.filter((e) => e.root.attributes!['xray.pipeline'] === pipeline).map((e) => e.executionId)));
      } else {
        const partition = new Date(target!.root.startMs).toISOString().slice(0, 10).replaceAll('-', '');
        for (const table of ['executions', 'steps']) await harness.store.backend.command(`OPTIMIZE TABLE ${table} PARTITION ID '${partition}' FINAL`);
      }
      // The execution written and a sample of the others, each read twice (the second read may come from the
      // memory cache), and the last ones deleted.
      const sample = live.length === 0 ? [] : Array.from({ length: 6 }, () => pick(live).executionId);
      const ids = [...new Set([...(target ? [target.executionId] : []), ...sample, ...deleted.slice(-2)])];
      for (const id of ids) {
        const truth = await read(id, { 'cache-control': 'no-cache' });
        for (let attempt = 0; attempt < 2; attempt++) {
          expect({ i, kind, id, attempt, reply: await read(id) }).toEqual({ i, kind, id, attempt, reply: truth });
        }
        expect(truth.status).toBe(deleted.includes(id) && !live.some((e) => e.executionId === id) ? 404 : 200);
      }
      if (racing) {
        await racing;
        racing = undefined;
      }
    }
    // Every way of changing an execution was taken, and both copies answered reads.
    expect(new Set(kinds)).toEqual(new Set(['whole', 'pass', 'race', 'late', 'late-next-day', 'resent', 'redelivered', 'score', 'delete', 'delete-pipeline', 'merge']));
    const counts = await sources();
    for (const source of answeredBy) expect(counts[source] ?? 0, `reads answered by ${source}`).toBeGreaterThan(15);
  });
});
