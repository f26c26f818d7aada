/**
 * The reply store (store/reply-store.ts, api/reply-builder.ts) against the
 * real collector on chDB: a settled day's finished executions are answered
 * from disk with the bytes ClickHouse's read gave (a row written behind the
 * collector's back is not seen, which shows where the answer came from), and
 * every way an execution changes makes the next read go to ClickHouse again:
 * a late step, a score, a deletion, rows changed while the collector was
 * down. Running executions and executions spanning two days are never
 * stored, today only once its partitions are quiet; apps never share replies. A server backend refuses the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const DAY = 86_400_000;
/** Noon (UTC) of a day `daysAgo` days before today. */
const noonOf = (daysAgo: number) => Math.floor(Date.now() / DAY) * DAY - daysAgo * DAY + 12 * 3_600_000;

describe('reply store (embedded backend)', () => {
  let dataDir: string;
  let harness: Harness;
  let keyA: string;
  let keyB: string;

  const start = async () => {
    // The memory cache is off, so every read that is not the store's goes to ClickHouse.
    harness = await startCollector({ dataDir, replyStore: { settleMillis: 0 }, executionCache: { maxBytes: 0, maxAgeMillis: 0 } });
  };
  async function send(key: string, spans: Parameters<typeof jsonRequest>[0]): Promise<void> {
    expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
  }
  async function read(key: string, id: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`${harness.url}/api/v1/executions/${id}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }
  const names = (text: string) => (JSON.parse(text) as { steps: { name: string }[] }).steps.map((step) => step.name).sort();
  /** The detail reads counted by source on /metrics. */
  async function reads(): Promise<Record<string, number>> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^xray_execution_detail_reads_total\{source="(\w+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  }
  async function fromStore<T>(run: () => Promise<T>): Promise<{ value: T; store: number; engine: number }> {
    const before = await reads();
    const value = await run();
    const after = await reads();
    return { value, store: (after.store ?? 0) - (before.store ?? 0), engine: (after.engine ?? 0) - (before.engine ?? 0) };
  }
  async function stepBehindTheCollector(appId: string, executionId: string): Promise<void> {
    await harness.store.backend.command(
      `INSERT INTO steps SELECT * REPLACE ('behind0000000000' AS span_id, 'behind' AS name) FROM steps
WHERE app_id = {appId:String} AND execution_id = {executionId:String} LIMIT 1`,
      { appId, executionId },
    );
  }
  const pass = () => harness.xray.replyBuilder!.pass();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xray-replies-'));
    await start();
    keyA = await harness.createApp('replies-a');
    keyB = await harness.createApp('replies-b');
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers a settled day's finished execution from disk, with the bytes ClickHouse's read gave", async () => {
    const done = executionSpans({ pipeline: 'loan', startMs: noonOf(3), steps: [{ name: 'a' }, { name: 'b', failed: true }], failed: true });
    await send(keyA, [done.root, ...done.steps]);
    const engine = await fromStore(() => read(keyA, done.executionId));
    expect(engine.engine).toBe(1);
    expect(engine.value.status).toBe(200);

    const built = await pass();
    expect(built.built).toContain(new Date(noonOf(3)).toISOString().slice(0, 10));
    await stepBehindTheCollector('replies-a', done.executionId);
    const stored = await fromStore(() => read(keyA, done.executionId));
    expect(stored.store).toBe(1);
    expect(stored.engine).toBe(0);
    expect(stored.value).toEqual(engine.value);
    expect(names(stored.value.text)).toEqual(['a', 'b']);
    // Cache-Control: no-cache reads the rows as they are now.
    const fresh = await fromStore(() => read(keyA, done.executionId, { 'cache-control': 'no-cache' }));
    expect({ store: fresh.store, engine: fresh.engine }).toEqual({ store: 0, engine: 1 });
    expect(names(fresh.value.text)).toEqual(['a', 'b', 'behind']);
  });

  it('answers a large execution (500 steps, ~2 MB of reply) from disk with the bytes ClickHouse gave', async () => {
    const words = (i: number) => Array.from({ length: 500 }, (_, w) => `w${(i * 7919 + w * 104729) % 100_003}`).join(' ');
    const large = executionSpans({ pipeline: 'large', startMs: noonOf(13), steps: Array.from({ length: 500 }, (_, i) => ({ name: `step-${i}`, reasoning: words(i) })) });
    await send(keyA, [large.root, ...large.steps]);
    const engine = await fromStore(() => read(keyA, large.executionId));
    expect(engine.engine).toBe(1);
    expect(engine.value.text.length).toBeGreaterThan(1_900_000);
    await pass();
    const stored = await fromStore(() => read(keyA, large.executionId));
    expect(stored.store).toBe(1);
    expect(stored.value).toEqual(engine.value);
  });

  it('keeps running executions and executions spanning two days in ClickHouse; builds today once its partitions are quiet', async () => {
    const today = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
    const running = executionSpans({ pipeline: 'loan', startMs: noonOf(4), steps: [{ name: 'a' }] });
    running.root.attributes['xray.execution.status'] = 'running';
    const midnight = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
    const spanning = executionSpans({ pipeline: 'loan', startMs: midnight - 15, steps: [{ name: 'before' }, { name: 'after' }, { name: 'later' }] });
    await send(keyA, [today.root, ...today.steps, running.root, ...running.steps, spanning.root, ...spanning.steps]);
    const todayDay = new Date().toISOString().slice(0, 10);
    expect((await pass()).built).toContain(todayDay);
    for (const id of [running.executionId, spanning.executionId]) {
      const answer = await fromStore(() => read(keyA, id));
      expect({ id, store: answer.store, status: answer.value.status }).toEqual({ id, store: 0, status: 200 });
    }
    expect((await fromStore(() => read(keyA, today.executionId))).store).toBe(1);
    // A write to today: the day is dropped and built again, like a past day's late row.
    const later = executionSpans({ pipeline: 'loan', steps: [{ name: 'b' }] });
    await send(keyA, [later.root, ...later.steps]);
    const again = await pass();
    expect(again.dropped).toContain(todayDay);
    expect(again.built).toContain(todayDay);
    expect((await fromStore(() => read(keyA, later.executionId))).store).toBe(1);
  });

  it("never answers another app's key from an app's reply", async () => {
    const mine = executionSpans({ pipeline: 'loan', startMs: noonOf(5), steps: [{ name: 'a-only' }] });
    await send(keyA, [mine.root, ...mine.steps]);
    await pass();
    expect((await fromStore(() => read(keyA, mine.executionId))).store).toBe(1);
    expect((await read(keyB, mine.executionId)).status).toBe(404);
    // The same id in app B, on the same day: each app reads its own.
    const twin = executionSpans({ executionId: mine.executionId, pipeline: 'other', startMs: noonOf(5) + 1000, steps: [{ name: 'b-only' }] });
    await send(keyB, [twin.root, ...twin.steps]);
    await pass();
    expect(names((await read(keyB, twin.executionId)).text)).toEqual(['b-only']);
    expect(names((await read(keyA, mine.executionId)).text)).toEqual(['a-only']);
  });

  it('goes back to ClickHouse for an execution changed by a late step, and builds its day again', async () => {
    const execution = executionSpans({ pipeline: 'loan', startMs: noonOf(6), steps: [{ name: 'a' }] });
    await send(keyA, [execution.root, ...execution.steps]);
    await pass();
    expect((await fromStore(() => read(keyA, execution.executionId))).store).toBe(1);
    const late = executionSpans({ executionId: execution.executionId, pipeline: 'loan', startMs: noonOf(6) + 5, steps: [{ name: 'late' }] });
    late.steps[0]!.traceId = execution.traceId;
    await send(keyA, late.steps);
    const afterLate = await fromStore(() => read(keyA, execution.executionId));
    expect(afterLate.store).toBe(0);
    expect(names(afterLate.value.text)).toEqual(['a', 'late']);
    // The day's parts changed: it is dropped, then built again from what is stored now.
    const again = await pass();
    expect(again.dropped).toContain(new Date(noonOf(6)).toISOString().slice(0, 10));
    const rebuilt = await fromStore(() => read(keyA, execution.executionId));
    expect(rebuilt.store).toBe(1);
    expect(names(rebuilt.value.text)).toEqual(['a', 'late']);
  });

  it('goes back to ClickHouse for an execution scored or deleted', async () => {
    const scored = executionSpans({ pipeline: 'score-me', startMs: noonOf(7), steps: [{ name: 'a' }] });
    const erased = executionSpans({ pipeline: 'erase-me', startMs: noonOf(7), steps: [{ name: 'a' }] });
    await send(keyA, [scored.root, ...scored.steps, erased.root, ...erased.steps]);
    await pass();
    expect((await fromStore(() => read(keyA, scored.executionId))).store).toBe(1);
    const response = await fetch(`${harness.url}/api/v1/executions/${scored.executionId}/scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'correct', value: true }),
    });
    expect(response.status).toBe(201);
    const afterScore = await fromStore(() => read(keyA, scored.executionId));
    expect(afterScore.store).toBe(0);
    expect((JSON.parse(afterScore.value.text) as { scores: { name: string }[] }).scores.map((s) => s.name)).toEqual(['correct']);

    expect((await fromStore(() => read(keyA, erased.executionId))).store).toBe(1);
    expect((await adminCall(harness, 'POST', '/apps/replies-a/executions/delete', { pipeline: 'erase-me' })).status).toBe(200);
    expect((await read(keyA, erased.executionId)).status).toBe(404);
    // Rebuilt with its score, and without the erased execution.
    await pass();
    const rebuilt = await fromStore(() => read(keyA, scored.executionId));
    expect(rebuilt.store).toBe(1);
    expect((JSON.parse(rebuilt.value.text) as { scores: { name: string }[] }).scores.map((s) => s.name)).toEqual(['correct']);
    expect((await read(keyA, erased.executionId)).status).toBe(404);
  });

  it('keeps serving a day merged with the same rows, and the days a deletion did not touch', async () => {
    const first = executionSpans({ pipeline: 'merge-me', startMs: noonOf(10), steps: [{ name: 'a' }] });
    const second = executionSpans({ pipeline: 'merge-me', startMs: noonOf(10) + 60_000, steps: [{ name: 'b' }] });
    const untouched = executionSpans({ pipeline: 'keep-me', startMs: noonOf(11), steps: [{ name: 'a' }] });
    const erased = executionSpans({ pipeline: 'erase-me-too', startMs: noonOf(12), steps: [{ name: 'a' }] });
    // Two requests: the day's partitions hold two parts each until merged.
    await send(keyA, [first.root, ...first.steps]);
    await send(keyA, [second.root, ...second.steps, untouched.root, ...untouched.steps, erased.root, ...erased.steps]);
    await pass();
    expect((await fromStore(() => read(keyA, first.executionId))).store).toBe(1);
    const partition = new Date(noonOf(10)).toISOString().slice(0, 10).replaceAll('-', '');
    for (const table of ['executions', 'steps']) await harness.store.backend.command(`OPTIMIZE TABLE ${table} PARTITION ID '${partition}' FINAL`);
    const afterMerge = await pass();
    expect(afterMerge.dropped).toEqual([]);
    expect((await fromStore(() => read(keyA, second.executionId))).store).toBe(1);

    expect((await adminCall(harness, 'POST', '/apps/replies-a/executions/delete', { pipeline: 'erase-me-too' })).status).toBe(200);
    expect((await read(keyA, erased.executionId)).status).toBe(404);
    expect((await fromStore(() => read(keyA, untouched.executionId))).store).toBe(1);
    expect((await fromStore(() => read(keyA, first.executionId))).store).toBe(1);
  });

  it('keeps its replies across a restart, and drops a day whose rows changed while the collector was down', async () => {
    const kept = executionSpans({ pipeline: 'loan', startMs: noonOf(8), steps: [{ name: 'a' }] });
    const changed = executionSpans({ pipeline: 'loan', startMs: noonOf(9), steps: [{ name: 'a' }] });
    await send(keyA, [kept.root, ...kept.steps, changed.root, ...changed.steps]);
    await pass();
    expect((await fromStore(() => read(keyA, changed.executionId))).store).toBe(1);
    // A write the store never heard of (as if the collector crashed between an insert and its forget).
    await stepBehindTheCollector('replies-a', changed.executionId);
    await harness.close();
    await start();
    const keptRead = await fromStore(() => read(keyA, kept.executionId));
    expect(keptRead.store).toBe(1);
    const changedRead = await fromStore(() => read(keyA, changed.executionId));
    expect(changedRead.store).toBe(0);
    expect(names(changedRead.value.text)).toEqual(['a', 'behind']);
  });
});

describe('reply store beside a ClickHouse server', () => {
  it('refuses to run beside a ClickHouse server', async () => {
    await expect(startCollector({ backend: 'server', replyStore: { settleMillis: 0 } })).rejects.toThrow(/needs the embedded engine/);
  });
});
