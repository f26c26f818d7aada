/**
 * Step search through the reply store's words (api/step-search-index.ts)
 * against the engine, on the real collector and chDB: seeded random texts in
 * every searched field over five past days and today (built, then written to
 * again, so the engine answers today and the index the rest), random searches,
 * windows, page sizes and cursors, each answered twice, once as a user asks
 * (the settled days from the index) and once with `Cache-Control: no-cache`
 * (the engine alone); the two answers must be the same bytes. The index must
 * have answered most of them (its metric), so the comparison is not between
 * two engine reads. Then the ways the index can fall behind: a step written
 * to a settled day after its build, a deletion, an app's words never serving
 * another app, and the searches it leaves to the engine (a common word,
 * another filter), days with no rows, answered as empty until a write, and
 * a renumbered execution whose id, texts and attributes hold its JSON keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { createPick, createRandom } from '../support/seeded-random.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const VOCABULARY = [
  'threshold', 'thresholds', 'Threshold', 'score', 'scored', 'ab', 'abcd', 'A-1042', '1042', 'École', 'écolier', 'naïve',
  '日本語', '😀smile', 'under_score', 'credit', 'below', 'limit', 'limits', 'zanzibar', 'Zanzibari', 'quokka',
];
const SEPARATORS = [' ', ' ', ', ', '-', '_', '. ', '/', '"', ' ('];
/** Words of the executions without a reply (running, steps without their root, across a midnight): a hit on them sends the search to the engine. */
const NO_REPLY_VOCABULARY = ['orphan', 'pending', 'midnight', 'threshold'];

describe("step search through the reply store's words (embedded backend)", () => {
  let dataDir: string;
  let harness: Harness;
  let keyB: string;
  const next = createRandom(61207);
  const pick = createPick(next);
  const text = (min: number, max: number, vocabulary = VOCABULARY) => {
    const count = min + Math.floor(next() * (max - min + 1));
    let out = '';
    for (let i = 0; i < count; i++) out += (i > 0 ? pick(SEPARATORS) : '') + pick(vocabulary);
    return out;
  };
  /** Words of the sent texts, for random searches. */
  const sentWords: string[] = [];

  async function send(key: string, spans: Parameters<typeof jsonRequest>[0]): Promise<void> {
    expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
  }
  async function search(params: Record<string, string>, options: { key?: string; engine?: boolean } = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${harness.url}/api/v1/steps?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${options.key ?? harness.apiKey}`, ...(options.engine ? { 'cache-control': 'no-cache' } : {}) },
    });
    return { status: response.status, text: await response.text() };
  }
  async function reads(): Promise<{ index: number; engine: number }> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const count = (source: string) => Number(new RegExp(`^xray_step_search_reads_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { index: count('index'), engine: count('engine') };
  }
  /** The search's answer as a user gets it and from the engine alone, and what answered the first. */
  async function both(params: Record<string, string>, key?: string) {
    const before = await reads();
    const served = await search(params, { key });
    const after = await reads();
    const engine = await search(params, { key, engine: true });
    expect(served.status, JSON.stringify(params)).toBe(200);
    return { served: served.text, engine: engine.text, index: after.index - before.index };
  }
  const hitsOf = (text: string) => (JSON.parse(text) as { steps: { spanId: string; executionId: string; reasoning: string }[] }).steps;
  /**
   * A step just written to `dayMillis`'s day: found at once, from the engine
   * (the day is left to it), as the engine finds it; once the builder has built
   * the day, from the index with the same bytes.
   */
  async function foundAtOnceThenFromIndex(params: Record<string, string>, executionId: string, dayMillis: number): Promise<void> {
    const written = await both(params);
    expect(written.index).toBe(0);
    expect(written.served).toBe(written.engine);
    expect(hitsOf(written.served).map((hit) => hit.executionId)).toEqual([executionId]);
    const pass = await harness.xray.replyBuilder!.pass();
    expect(pass.built).toContain(new Date(dayMillis).toISOString().slice(0, 10));
    const built = await both(params);
    expect(built.index).toBe(1);
    expect(built.served).toBe(written.served);
  }

  /** One execution of random texts on `day` (ms of its midnight); `options` shape the edge cases. */
  function randomExecution(startMs: number, options: { renumbered?: boolean; unnamedPipeline?: boolean; running?: boolean; noReply?: boolean } = {}) {
    const words = (min: number, max: number) => text(min, max, options.noReply ? NO_REPLY_VOCABULARY : VOCABULARY);
    const execution = executionSpans({
      pipeline: `p${Math.floor(next() * 3)}`,
      startMs,
      steps: Array.from({ length: 2 + Math.floor(next() * 4) }, (_, s) => ({ name: `s${s}`, reasoning: words(1, 6), failed: next() < 0.2 })),
    });
    if (options.running) execution.root.attributes['xray.execution.status'] = 'running';
    for (const step of execution.steps) {
      if (options.renumbered) delete step.attributes!['xray.step.sequence'];
      if (options.unnamedPipeline) delete step.attributes!['xray.pipeline'];
      if (step.error && next() < 0.7) step.error = words(1, 4);
      if (next() < 0.4) step.attributes!['input.value'] = JSON.stringify({ note: words(1, 4), id: `in${Math.floor(next() * 1e9)}` });
      if (next() < 0.4) step.attributes!['output.value'] = JSON.stringify({ reason: words(1, 4) });
      for (const value of [step.attributes!['xray.step.reasoning'], step.error, step.attributes!['input.value'], step.attributes!['output.value']]) {
        if (typeof value === 'string') sentWords.push(...(value.match(/[0-9A-Za-z\u0080-\uffff]+/g) ?? []));
      }
    }
    return execution;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xray-search-index-'));
    harness = await startCollector({ dataDir, replyStore: { settleMillis: 0 }, executionCache: { maxBytes: 0, maxAgeMillis: 0 } });
    keyB = await harness.createApp('search-b');
    const spans: Parameters<typeof jsonRequest>[0] = [];
    for (let daysAgo = 5; daysAgo >= 0; daysAgo--) {
      for (let e = 0; e < 8; e++) {
        const startMs = daysAgo === 0 ? Date.now() - 60_000 * (e + 1) : today - daysAgo * DAY + Math.floor(next() * (DAY - 60_000));
        const execution = randomExecution(startMs, { renumbered: e === 1, unnamedPipeline: e === 2, running: e === 3, noReply: e === 3 || e === 4 });
        spans.push(execution.root, ...execution.steps);
        // Steps sent without their root (e === 4): searchable, with no reply to answer from.
        if (e === 4) spans.splice(spans.indexOf(execution.root), 1);
      }
    }
    // An execution across a midnight: its steps on two days, no reply on either.
    const spanning = randomExecution(today - 2 * DAY - 15, { noReply: true });
    spans.push(spanning.root, ...spanning.steps);
    // A word 70 executions of one day hold: common there.
    for (let e = 0; e < 70; e++) {
      const common = executionSpans({ pipeline: 'common', startMs: today - 4 * DAY + e * 60_000, steps: [{ name: 'c', reasoning: `frequent word ${e % 2 ? 'zanzibar' : 'limit'}` }] });
      spans.push(common.root, ...common.steps);
    }
    await send(harness.apiKey, spans);
    // Another app's steps with the same words.
    const other = executionSpans({ pipeline: 'b', startMs: today - 3 * DAY + 3_600_000, steps: [{ name: 'b', reasoning: 'zanzibar quokka threshold 1042' }] });
    await send(keyB, [other.root, ...other.steps]);
    const built = await harness.xray.replyBuilder!.pass();
    expect(built.built.length).toBe(6);
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers random searches, windows, page sizes and cursors with the bytes the engine gives, most of them from the index', async () => {
    const mismatches: { params: Record<string, string>; served: string; engine: string }[] = [];
    let fromIndex = 0;
    let nonEmpty = 0;
    const randomSearch = () => {
      const word = pick(next() < 0.6 ? sentWords : next() < 0.9 ? VOCABULARY : NO_REPLY_VOCABULARY);
      const chars = [...word];
      const one = next() < 0.3 ? chars.slice(0, 1 + Math.floor(next() * chars.length)).join('') : word;
      return next() < 0.2 ? `${one} ${pick(VOCABULARY)}` : next() < 0.1 ? `"${one} ${pick(VOCABULARY)}"` : one;
    };
    for (let i = 0; i < 120; i++) {
      // Half with today built (the index answers every day), half after a write to today (the engine answers today).
      if (i === 60) {
        const written = randomExecution(Date.now() - 30_000);
        await send(harness.apiKey, [written.root, ...written.steps]);
      }
      const q = randomSearch();
      // Whole days, or edges inside a day; sometimes ending before today.
      // Some reaching past the oldest rows: days with none, answered as empty.
      const from = today - Math.floor(next() * 9) * DAY - (next() < 0.5 ? 0 : Math.floor(next() * DAY));
      const to = next() < 0.6 ? Date.now() + 60_000 : today - Math.floor(next() * 3) * DAY + (next() < 0.5 ? 0 : Math.floor(next() * DAY));
      if (to <= from) continue;
      const params: Record<string, string> = { q, from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: String(1 + Math.floor(next() * 12)) };
      // Up to three pages, each through its cursor.
      for (let page = 0; page < 3; page++) {
        const answer = await both(params);
        fromIndex += answer.index;
        if (answer.served !== answer.engine) mismatches.push({ params: { ...params }, served: answer.served, engine: answer.engine });
        const body = JSON.parse(answer.engine) as { steps: unknown[]; nextCursor: string | null };
        if (page === 0 && body.steps.length > 0) nonEmpty += 1;
        if (!body.nextCursor) break;
        params.cursor = body.nextCursor;
      }
    }
    expect(mismatches).toEqual([]);
    expect(nonEmpty).toBeGreaterThan(50);
    expect(fromIndex).toBeGreaterThan(100);
    // The replies the index read were kept decompressed (store/reply-store.ts), through the writes and rebuilds above.
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(Number(/^xray_reply_store_cache_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it("finds a step written to a settled day after the day's build at once, and from the index again once the day is rebuilt", async () => {
    const late = executionSpans({ pipeline: 'late', startMs: today - 3 * DAY + 7_200_000, steps: [{ name: 'late', reasoning: 'wombat arrived late' }] });
    await send(harness.apiKey, [late.root, ...late.steps]);
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), limit: '10' };
    await foundAtOnceThenFromIndex({ q: 'wombat', ...window }, late.executionId, today - 3 * DAY);
  });

  it('answers days with no rows as empty; a step written to one is found at once, and from the index once its day is built', async () => {
    const window = { from: new Date(today - 12 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '10' };
    const before = await both({ q: 'narwhal', ...window });
    expect(before.index).toBe(1);
    expect(hitsOf(before.served)).toEqual([]);
    const early = executionSpans({ pipeline: 'early', startMs: today - 10 * DAY + 3_600_000, steps: [{ name: 'e', reasoning: 'a narwhal came early' }] });
    await send(harness.apiKey, [early.root, ...early.steps]);
    await foundAtOnceThenFromIndex({ q: 'narwhal', ...window }, early.executionId, today - 10 * DAY);
  });

  it('answers a renumbered execution whose id and texts hold the characters of its JSON keys with the bytes the engine gives', async () => {
    const hostile = executionSpans({
      executionId: 'x","sequence":7,"y\\"sequence":8',
      pipeline: 'hostile',
      startMs: today - 4 * DAY + 7_200_000,
      steps: [
        { name: '"sequence":3,', reasoning: 'ocelot "sequence":9, \\"sequence":10 }]' },
        { name: 's', reasoning: 'second ocelot {"steps":[' },
      ],
    });
    for (const step of hostile.steps) {
      delete step.attributes!['xray.step.sequence'];
      // A key of its own attributes named as the step's.
      step.attributes!.sequence = '11';
    }
    await send(harness.apiKey, [hostile.root, ...hostile.steps]);
    await harness.xray.replyBuilder!.pass();
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '10' };
    const answer = await both({ q: 'ocelot', ...window });
    expect(answer.index).toBe(1);
    expect(answer.served).toBe(answer.engine);
    const hits = JSON.parse(answer.served) as { steps: { executionId: string; sequence: number }[] };
    expect(hits.steps.map((hit) => [hit.executionId, hit.sequence])).toEqual([
      [hostile.executionId, 0],
      [hostile.executionId, 0],
    ]);
  });

  it('no longer finds a deleted execution, from the engine until its day is built again, then from the index', async () => {
    const doomed = executionSpans({ pipeline: 'erase-me', startMs: today - 2 * DAY + 3_600_000, steps: [{ name: 'x', reasoning: 'platypus sighting' }] });
    await send(harness.apiKey, [doomed.root, ...doomed.steps]);
    await harness.xray.replyBuilder!.pass();
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '10' };
    const before = await both({ q: 'platypus', ...window });
    expect(before.index).toBe(1);
    expect(hitsOf(before.served)).toHaveLength(1);
    expect((await adminCall(harness, 'POST', '/apps/default/executions/delete', { pipeline: 'erase-me' })).status).toBe(200);
    const after = await both({ q: 'platypus', ...window });
    expect(after.served).toBe(after.engine);
    expect(hitsOf(after.served)).toEqual([]);
    // The day is built again without it.
    await harness.xray.replyBuilder!.pass();
    const rebuilt = await both({ q: 'platypus', ...window });
    expect(rebuilt.index).toBe(1);
    expect(hitsOf(rebuilt.served)).toEqual([]);
  });

  it("never answers one app's search with another app's steps", async () => {
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '50' };
    const b = await both({ q: 'quokka', ...window }, keyB);
    expect(b.index).toBe(1);
    expect(b.served).toBe(b.engine);
    expect(hitsOf(b.served).map((hit) => hit.reasoning)).toEqual(['zanzibar quokka threshold 1042']);
    const a = await both({ q: '"zanzibar quokka threshold"', ...window });
    expect(a.served).toBe(a.engine);
    expect(hitsOf(a.served)).toEqual([]);
  });

  it('leaves a prefix matching more words than it looks through in a day to the engine, with the same answer', async () => {
    // One execution whose input holds 300 distinct words sharing a prefix: a careless (or hostile) payload.
    const flood = executionSpans({ pipeline: 'flood', startMs: today - 5 * DAY + 3_600_000, steps: [{ name: 'f', reasoning: 'flooded payload' }] });
    flood.steps[0]!.attributes!['input.value'] = Array.from({ length: 300 }, (_, i) => `floodword${String(i).padStart(3, '0')}`).join(' ');
    await send(harness.apiKey, [flood.root, ...flood.steps]);
    await harness.xray.replyBuilder!.pass();
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '10' };
    const exact = await both({ q: 'floodword123', ...window });
    expect(exact.index).toBe(1);
    expect(exact.served).toBe(exact.engine);
    expect(hitsOf(exact.served).map((hit) => hit.executionId)).toEqual([flood.executionId]);
    const prefix = await both({ q: 'floodword', ...window });
    expect(prefix.index).toBe(0);
    expect(prefix.served).toBe(prefix.engine);
  });

  it('leaves a word common in a day, and a search with another filter, to the engine', async () => {
    const window = { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today).toISOString(), limit: '50' };
    const common = await both({ q: 'frequent', ...window });
    expect(common.index).toBe(0);
    expect(hitsOf(common.served)).toHaveLength(50);
    const filtered = await both({ q: 'zanzibar', pipeline: 'p1', ...window });
    expect(filtered.index).toBe(0);
    expect(filtered.served).toBe(filtered.engine);
  });
});
